import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { DNS_LABEL_RULE, isDnsLabel } from '@scaleplan/contracts';
import { ControlPlaneError } from '../control-plane.errors.js';

/** Route parameters that name a Kubernetes namespace or object, on every controller. */
const OBJECT_PATH_PARAMS = new Set(['namespace', 'name']);

/**
 * Refuses a namespace or object name in the URL that is not a DNS-1123 label, before any handler runs: a
 * decoded `a%2Fb` would otherwise become a key in another namespace (`a/b/…`), and an object stored there
 * never reconciles. Registered globally (bootstrap.ts), so a new route cannot forget it.
 */
@Injectable()
export class ObjectPathPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' || !metadata.data || !OBJECT_PATH_PARAMS.has(metadata.data)) return value;
    if (typeof value === 'string' && isDnsLabel(value)) return value;
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : String(value);
    const message = `the ${metadata.data} in the URL path, ${shown}, must be ${DNS_LABEL_RULE}`;
    throw new ControlPlaneError('Invalid', message, [{ field: metadata.data, message }]);
  }
}
