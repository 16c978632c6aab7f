import { Inject, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { DashboardAuthService } from '../auth/index.js';
import { accessOf, describeAccess, type KubernetesAccessReviewer, type KubernetesUser } from './kubernetes-access.js';

/** The request property the reviewed caller is kept in; DashboardAuthService accepts a request that carries it. */
export const KUBERNETES_USER = 'kubernetesUser';

const KUBERNETES_ACCESS = Symbol('KUBERNETES_ACCESS');

/** Routes that authenticate otherwise: probes, the login form, static assets, and trainers' reports (their run token). */
const EXEMPT = [/^\/healthz$/, /^\/readyz$/, /^\/login$/, /^\/logout$/, /^\/assets\//, /^\/api\/v1\/runs\/report$/];

const bearerOf = (header: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/**
 * Kubernetes decides who may do what (kubernetes mode): a bearer token that is not the dashboard token is a
 * Kubernetes token. TokenReview says whose it is (401 when nobody's), and SubjectAccessReview whether that user
 * may do what the request asks on the custom resources, or on the URL for other routes (403 with the API
 * server's reason otherwise) — what kube-rbac-proxy does in front of an API. An allowed request goes on marked
 * with the user; the dashboard token and the login cookie are left to the bearer guard.
 */
export function kubernetesAuthMiddleware(
  reviewer: KubernetesAccessReviewer,
  isDashboardToken: (token: string) => boolean,
  log: Logger,
): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const token = bearerOf(request.headers.authorization);
    // The full path: mounted middleware sees `request.path` relative to its mount point.
    const path = (request.originalUrl || request.url).split('?')[0]!;
    if (!token || EXEMPT.some((route) => route.test(path)) || isDashboardToken(token)) return next();
    void (async () => {
      let user: KubernetesUser | undefined;
      const access = accessOf(request.method, path);
      try {
        user = await reviewer.authenticate(token);
        if (!user) {
          response.setHeader('WWW-Authenticate', 'Bearer realm="scaleplan", error="invalid_token"');
          response
            .status(401)
            .json({ statusCode: 401, error: 'Unauthorized', message: 'The Kubernetes API did not accept the bearer token (TokenReview)' });
          return;
        }
        const decision = await reviewer.authorize(user, access);
        if (!decision.allowed) {
          log.info({ user: user.username, access: describeAccess(access) }, 'Refused request by SubjectAccessReview');
          response.status(403).json({
            statusCode: 403,
            error: 'Forbidden',
            message: `User "${user.username}" cannot ${describeAccess(access)}${decision.reason ? `: ${decision.reason}` : ''}`,
          });
          return;
        }
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'Failed to review a bearer token with the Kubernetes API');
        response.setHeader('Retry-After', '5');
        response.status(503).json({
          statusCode: 503,
          error: 'Unavailable',
          message: `Could not review the bearer token with the Kubernetes API: ${(error as Error).message}`,
        });
        return;
      }
      (request as Request & { [KUBERNETES_USER]?: KubernetesUser })[KUBERNETES_USER] = user;
      next();
    })();
  };
}

/** Puts {@link kubernetesAuthMiddleware} in front of every route (kubernetes mode's extension imports it). */
@Module({})
export class KubernetesAuthModule implements NestModule {
  constructor(
    @Inject(KUBERNETES_ACCESS) private readonly access: { reviewer: KubernetesAccessReviewer; log: Logger },
    private readonly dashboard: DashboardAuthService,
  ) {}

  static forRoot(reviewer: KubernetesAccessReviewer, log: Logger): DynamicModule {
    return { module: KubernetesAuthModule, providers: [{ provide: KUBERNETES_ACCESS, useValue: { reviewer, log } }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(kubernetesAuthMiddleware(this.access.reviewer, (token) => this.dashboard.isValidToken(token), this.access.log))
      .forRoutes('{*path}');
  }
}
