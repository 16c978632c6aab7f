import { Controller, Get, Header, NotFoundException, Param, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { UnauthorizedPageFilter } from '../auth/unauthorized-page.filter.js';
import { renderPage } from './page-shell.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkRef(namespace: string, name: string): void {
  if (!DNS_LABEL.test(namespace) || !DNS_LABEL.test(name) || namespace.length > 63 || name.length > 63) {
    throw new NotFoundException(`No such object: ${namespace}/${name} (namespace and name are DNS-1123 labels)`);
  }
}

/** The dashboard pages (HTML shells; the data comes from /api/v1 and /dashboard/api). Browsers without a session get the login form. */
@ApiExcludeController()
@Controller()
@UseGuards(BearerAuthGuard)
@UseFilters(UnauthorizedPageFilter)
export class DashboardPagesController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  home(): string {
    return renderPage({ page: 'studies', title: 'Studies' });
  }

  @Get('studies')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  studies(): string {
    return renderPage({ page: 'studies', title: 'Studies' });
  }

  @Get('studies/:namespace/:name')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  study(@Param('namespace') namespace: string, @Param('name') name: string): string {
    checkRef(namespace, name);
    return renderPage({ page: 'study', title: `Study ${name}`, namespace, name });
  }

  @Get('budgets')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  budgets(): string {
    return renderPage({ page: 'budgets', title: 'Budgets' });
  }

  @Get('budgets/:namespace/:name')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  budget(@Param('namespace') namespace: string, @Param('name') name: string): string {
    checkRef(namespace, name);
    return renderPage({ page: 'budget', title: `Budget ${name}`, namespace, name });
  }
}
