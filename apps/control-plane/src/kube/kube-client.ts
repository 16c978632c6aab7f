import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import { ControlPlaneError, type FieldProblem } from '../control-plane.errors.js';

/** The API clients the kubernetes mode uses, made from one KubeConfig. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly customObjects: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  /** Run Jobs (dispatch mode jobs). */
  readonly batch: BatchV1Api;
  /** Leases (leader election). */
  readonly coordination: CoordinationV1Api;
  /** TokenReview and SubjectAccessReview (who may use the REST API). */
  readonly authentication: AuthenticationV1Api;
  readonly authorization: AuthorizationV1Api;
  /** Namespace of the current context (in a pod: the pod's namespace); where the worker Deployment lives. */
  readonly defaultNamespace: string;
}

/**
 * Loads the kubeconfig the usual way (KUBECONFIG, ~/.kube/config, or the in-cluster service account).
 * client-node 1.x refuses plain-http servers unless `skipTLSVerify` is set; a plain-http server has no TLS
 * to verify, so the flag is set for those clusters only (local emulators, `kubectl proxy`).
 */
export function loadKubeConfig(kubeconfigFile?: string): KubeConfig {
  const config = new KubeConfig();
  if (kubeconfigFile) config.loadFromFile(kubeconfigFile);
  else config.loadFromDefault();
  const clusters = config.clusters.map((cluster) => (cluster.server.startsWith('http:') ? { ...cluster, skipTLSVerify: true } : cluster));
  if (clusters.some((cluster, i) => cluster !== config.clusters[i])) {
    config.loadFromOptions({ clusters, users: config.users, contexts: config.contexts, currentContext: config.currentContext });
  }
  return config;
}

/** Makes the API clients of one kubeconfig. */
export function createKubeClients(config: KubeConfig): KubeClients {
  const context = config.getContextObject(config.getCurrentContext());
  return {
    config,
    customObjects: config.makeApiClient(CustomObjectsApi),
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    batch: config.makeApiClient(BatchV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    authentication: config.makeApiClient(AuthenticationV1Api),
    authorization: config.makeApiClient(AuthorizationV1Api),
    defaultNamespace: context?.namespace || 'default',
  };
}

/** HTTP status of a failed API call, or undefined when the call never got an answer. */
export const apiStatusCode = (error: unknown): number | undefined => (error instanceof ApiException ? error.code : undefined);

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

function statusBody(error: ApiException<unknown>): StatusBody {
  const body = error.body as unknown;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/**
 * Maps a client-node failure onto the control plane's error codes, keeping the API server's message
 * (for 422 it names the fields the schema rejected).
 */
export function toControlPlaneError(error: unknown, what: string): ControlPlaneError {
  if (error instanceof ControlPlaneError) return error;
  if (error instanceof ApiException) {
    const body = statusBody(error);
    const message = `${what}: ${body.message ?? `HTTP ${error.code}`}`;
    const fields: FieldProblem[] = (body.details?.causes ?? []).map((c) => ({ field: c.field ?? '', message: c.message ?? '' }));
    switch (error.code) {
      case 404:
        return new ControlPlaneError('NotFound', message, [], { cause: error });
      case 409:
        return new ControlPlaneError(body.reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict', message, [], { cause: error });
      case 400:
      case 422:
        return new ControlPlaneError('Invalid', message, fields, { cause: error });
      case 401:
      case 403:
        return new ControlPlaneError('Unauthorized', message, [], { cause: error });
      default:
        return new ControlPlaneError('Unavailable', message, [], { cause: error });
    }
  }
  return new ControlPlaneError(
    'Unavailable',
    `${what}: the Kubernetes API is unreachable (${(error as Error)?.message ?? String(error)})`,
    [],
    { cause: error },
  );
}
