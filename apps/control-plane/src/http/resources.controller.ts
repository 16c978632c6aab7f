import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_GROUP_VERSION, computeBudgetSchema, scalingLawSchema, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { BearerAuthGuard } from '../auth/index.js';
import { ControlPlaneError } from '../control-plane.errors.js';
import { BUDGET_FLOPS_RESOLVER } from '../control-plane.tokens.js';
import type { BudgetFlopsResolver } from '../planning/budget-flops.js';
import { objectSortKey, pageOf } from '../resources/list-page.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';
import { RunStore, type RunOwnerKind, type RunWithCurve } from '../scheduling/run-store.js';
import { listMetadata, MAX_LIST_LIMIT, parseListQuery, type ListMetadata } from './list-query.js';
import { validateComputeBudget, validateScalingLaw } from './resource-validation.js';

/** `?limit=&continue=` of a list endpoint (Kubernetes API semantics, see list-query.ts). */
interface ListQuery {
  readonly limit?: string;
  readonly continue?: string;
}

/** Documents the paging parameters on every list endpoint. */
const PagedList = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, description: `Most items per page, 1 to ${MAX_LIST_LIMIT}; all items when absent` }),
    ApiQuery({ name: 'continue', required: false, description: 'metadata.continue of the previous page (400 when invalid)' }),
  );

/** A list of objects, whole or one page of it, in the Kubernetes list shape. */
async function listObjects<T extends ScalingLaw | ComputeBudget>(
  store: ResourceStore<T>,
  plural: string,
  namespace: string | undefined,
  query: ListQuery,
): Promise<{ apiVersion: string; kind: string; metadata: ListMetadata; items: T[] }> {
  const kind = `${store.kind}List`;
  const list = `${plural}/${namespace ?? '*'}`;
  const request = parseListQuery(query, list);
  if (!request) return { apiVersion: API_GROUP_VERSION, kind, metadata: {}, items: await store.list(namespace) };
  const page = store.listPage ? await store.listPage(namespace, request) : pageOf(await store.list(namespace), objectSortKey, request);
  return { apiVersion: API_GROUP_VERSION, kind, metadata: listMetadata(page, list), items: page.items };
}

/** Runs of an owner with their curves, ordered by budget, then size, then id; whole or one page. */
async function listRuns(
  runs: RunStore,
  kind: RunOwnerKind,
  owner: { namespace: string; name: string },
  query: ListQuery,
): Promise<{ kind: 'RunList'; metadata: ListMetadata; items: RunWithCurve[] }> {
  const list = `runs/${kind}/${owner.namespace}/${owner.name}`;
  const request = parseListQuery(query, list);
  const records = await runs.list(kind, owner);
  const page = pageOf(records, (r) => [r.budgetFlops, r.params, r.runId], request ?? { limit: records.length });
  return { kind: 'RunList', metadata: listMetadata(page, list), items: await runs.withCurves(kind, owner, page.items) };
}

/** JSON Schema of a resource body for /docs (zod 4 → JSON Schema); an open object when conversion fails. */
function bodySchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

const notFound = (kind: string, namespace: string, name: string): ControlPlaneError =>
  new ControlPlaneError('NotFound', `${kind} ${namespace}/${name} not found`);

function checkName(resource: { metadata: { name: string } }, name: string): void {
  if (resource.metadata.name !== name) {
    throw new ControlPlaneError('Invalid', `metadata.name is ${resource.metadata.name}, but the URL names ${name}`, [
      { field: 'metadata.name', message: `must be ${name}` },
    ]);
  }
}

async function remove<T extends ScalingLaw | ComputeBudget>(
  store: ResourceStore<T>,
  namespace: string,
  name: string,
  response: Response,
): Promise<unknown> {
  const after = await store.requestDelete({ namespace, name });
  if (after) {
    response.status(202);
    return after;
  }
  response.status(200);
  return { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: store.kind } };
}

/** ScalingLaw studies: the same objects as the custom resources, under /api/v1. */
@ApiTags('scalinglaws')
@Controller('api/v1')
export class ScalingLawsController {
  constructor(
    @Inject(SCALING_LAW_STORE) private readonly laws: ResourceStore<ScalingLaw>,
    @Inject(RunStore) private readonly runStore: RunStore,
  ) {}

  @Get('scalinglaws')
  @PagedList()
  @ApiOperation({ summary: 'List ScalingLaws in every namespace' })
  async listAll(@Query() query: ListQuery): Promise<unknown> {
    return listObjects(this.laws, 'scalinglaws', undefined, query);
  }

  @Get('namespaces/:namespace/scalinglaws')
  @PagedList()
  @ApiOperation({ summary: 'List the ScalingLaws of a namespace' })
  async list(@Param('namespace') namespace: string, @Query() query: ListQuery): Promise<unknown> {
    return listObjects(this.laws, 'scalinglaws', namespace, query);
  }

  @Post('namespaces/:namespace/scalinglaws')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @ApiBody({ schema: bodySchema(scalingLawSchema), description: 'A ScalingLaw (JSON, or YAML with Content-Type application/yaml)' })
  @ApiOperation({ summary: 'Create a ScalingLaw study (400 with field-level messages, 409 when it exists)' })
  async create(@Param('namespace') namespace: string, @Body() body: unknown): Promise<ScalingLaw> {
    return this.laws.create(validateScalingLaw(body, namespace));
  }

  @Get('namespaces/:namespace/scalinglaws/:name')
  async get(@Param('namespace') namespace: string, @Param('name') name: string): Promise<ScalingLaw> {
    const law = await this.laws.get({ namespace, name });
    if (!law) throw notFound('ScalingLaw', namespace, name);
    return law;
  }

  @Put('namespaces/:namespace/scalinglaws/:name')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @ApiBody({ schema: bodySchema(scalingLawSchema) })
  @ApiOperation({ summary: 'Replace the spec of a ScalingLaw (bumps its generation; the sweep is re-planned)' })
  async update(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown): Promise<ScalingLaw> {
    const law = validateScalingLaw(body, namespace);
    checkName(law, name);
    return this.laws.updateSpec({ namespace, name }, law.spec);
  }

  @Delete('namespaces/:namespace/scalinglaws/:name')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Delete a ScalingLaw: removes its queued runs, stops running ones, drops results unless SCALEPLAN_RESULT_RETENTION=keep',
  })
  async remove(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    return remove(this.laws, namespace, name, response);
  }

  @Get('namespaces/:namespace/scalinglaws/:name/runs')
  @PagedList()
  @ApiOperation({ summary: 'Runs of a study with their loss curves' })
  async runs(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: ListQuery): Promise<unknown> {
    const law = await this.laws.get({ namespace, name });
    const runs = await listRuns(this.runStore, 'ScalingLaw', { namespace, name }, query);
    if (!law && runs.items.length === 0) throw notFound('ScalingLaw', namespace, name);
    return runs;
  }
}

/** ComputeBudgets: budgets resolved to allocation tuples (and optionally trained). */
@ApiTags('computebudgets')
@Controller('api/v1')
export class ComputeBudgetsController {
  constructor(
    @Inject(COMPUTE_BUDGET_STORE) private readonly budgets: ResourceStore<ComputeBudget>,
    @Inject(SCALING_LAW_STORE) private readonly laws: ResourceStore<ScalingLaw>,
    @Inject(RunStore) private readonly runStore: RunStore,
    @Inject(BUDGET_FLOPS_RESOLVER) private readonly resolveFlops: BudgetFlopsResolver,
  ) {}

  private validate(body: unknown, namespace: string): Promise<ComputeBudget> {
    return validateComputeBudget(
      body,
      namespace,
      this.resolveFlops,
      async (name) => (await this.laws.get({ namespace, name })) !== undefined,
    );
  }

  @Get('computebudgets')
  @PagedList()
  async listAll(@Query() query: ListQuery): Promise<unknown> {
    return listObjects(this.budgets, 'computebudgets', undefined, query);
  }

  @Get('namespaces/:namespace/computebudgets')
  @PagedList()
  async list(@Param('namespace') namespace: string, @Query() query: ListQuery): Promise<unknown> {
    return listObjects(this.budgets, 'computebudgets', namespace, query);
  }

  @Post('namespaces/:namespace/computebudgets')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @ApiBody({ schema: bodySchema(computeBudgetSchema) })
  @ApiOperation({
    summary: 'Create a ComputeBudget (400 names the field: negative/NaN budget, unknown law, budget below the smallest model)',
  })
  async create(@Param('namespace') namespace: string, @Body() body: unknown): Promise<ComputeBudget> {
    return this.budgets.create(await this.validate(body, namespace));
  }

  @Get('namespaces/:namespace/computebudgets/:name')
  async get(@Param('namespace') namespace: string, @Param('name') name: string): Promise<ComputeBudget> {
    const budget = await this.budgets.get({ namespace, name });
    if (!budget) throw notFound('ComputeBudget', namespace, name);
    return budget;
  }

  @Put('namespaces/:namespace/computebudgets/:name')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @ApiBody({ schema: bodySchema(computeBudgetSchema) })
  async update(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown): Promise<ComputeBudget> {
    const budget = await this.validate(body, namespace);
    checkName(budget, name);
    return this.budgets.updateSpec({ namespace, name }, budget.spec);
  }

  @Delete('namespaces/:namespace/computebudgets/:name')
  @UseGuards(BearerAuthGuard)
  @ApiBearerAuth()
  @HttpCode(200)
  async remove(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    return remove(this.budgets, namespace, name, response);
  }

  @Get('namespaces/:namespace/computebudgets/:name/runs')
  @PagedList()
  @ApiOperation({ summary: 'The final run of a budget with its loss curve' })
  async runs(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: ListQuery): Promise<unknown> {
    return listRuns(this.runStore, 'ComputeBudget', { namespace, name }, query);
  }
}
