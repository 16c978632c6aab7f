import {
  DynamicModule,
  Module,
  type InjectionToken,
  type ModuleMetadata,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_OPTIONS } from './auth.constants.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { DashboardAuthService, type AuthOptions } from './dashboard-auth.service.js';
import { LoginController } from './login.controller.js';
import { UnauthorizedPageFilter } from './unauthorized-page.filter.js';

/** How widely the guard applies. */
export interface AuthScope {
  /**
   * Register {@link BearerAuthGuard} as a global guard: every route needs the token except those
   * marked `@Public()`. Otherwise apply it with `@UseGuards(BearerAuthGuard)`.
   * @default false
   */
  readonly protectAllRoutes?: boolean;
}

/** Options of {@link AuthModule.forRootAsync}. */
export interface AuthModuleAsyncOptions extends AuthScope {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: Array<InjectionToken | OptionalFactoryDependency>;
  readonly useFactory: (...args: never[]) => AuthOptions | Promise<AuthOptions>;
}

/**
 * Bearer-token authentication for the REST API, the dashboard pages and `/queues`, plus the
 * browser login form (`GET/POST /login`, `POST /logout`). Global, so `BearerAuthGuard` and
 * `DashboardAuthService` can be injected anywhere once the root module imports it.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions & AuthScope): DynamicModule {
    const { protectAllRoutes: _scope, ...authOptions } = options;
    return AuthModule.build({ provide: AUTH_OPTIONS, useValue: authOptions satisfies AuthOptions }, options);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const dynamic = AuthModule.build(
      { provide: AUTH_OPTIONS, useFactory: options.useFactory as (...args: unknown[]) => AuthOptions, inject: options.inject ?? [] },
      options,
    );
    return { ...dynamic, imports: options.imports ?? [] };
  }

  private static build(optionsProvider: Provider, scope: AuthScope): DynamicModule {
    const providers: Provider[] = [optionsProvider, DashboardAuthService, BearerAuthGuard, UnauthorizedPageFilter];
    if (scope.protectAllRoutes) providers.push({ provide: APP_GUARD, useExisting: BearerAuthGuard });
    return {
      module: AuthModule,
      global: true,
      controllers: [LoginController],
      providers,
      exports: [AUTH_OPTIONS, DashboardAuthService, BearerAuthGuard, UnauthorizedPageFilter],
    };
  }
}
