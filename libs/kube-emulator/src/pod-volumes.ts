import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { KubeObject } from './types.js';

/** The volume sources the kubelet simulator materialises as files. */
export interface VolumeSpec {
  name: string;
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number };
  emptyDir?: Record<string, unknown>;
  projected?: { sources?: ProjectedSource[]; defaultMode?: number };
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

interface ProjectedSource {
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
  serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
  downwardAPI?: { items?: { path: string; fieldRef?: { fieldPath: string } }[] };
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** Reads what volumes are made of: ConfigMap/Secret data (Secret values decoded), a token, downward-API fields. */
export interface VolumeSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  serviceAccountToken(pod: KubeObject, audience: string | undefined, expirationSeconds: number): string;
  field(pod: KubeObject, fieldPath: string): string;
}

/** Volumes of one pod, written under `root`; `rewrite` maps a container path inside a mount to the host path. */
export interface MountedVolumes {
  readonly root: string;
  rewrite(text: string): string;
}

/** A volume that cannot be set up yet (real kubelets report FailedMount and retry). */
export class VolumeNotReady extends Error {
  override readonly name = 'VolumeNotReady';
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function writeFiles(dir: string, files: Record<string, string>, mode: number | undefined): void {
  for (const [path, content] of Object.entries(files)) {
    const target = normalize(join(dir, path));
    if (!target.startsWith(dir)) throw new VolumeNotReady(`volume path "${path}" escapes the volume`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { mode: mode ?? 0o644 });
  }
}

function selectKeys(data: Record<string, string>, items: KeyToPath[] | undefined, what: string): Record<string, string> {
  if (!items) return data;
  const files: Record<string, string> = {};
  for (const item of items) {
    if (!(item.key in data)) throw new VolumeNotReady(`${what} has no key "${item.key}"`);
    files[item.path] = data[item.key]!;
  }
  return files;
}

/**
 * Materialises a pod's ConfigMap, Secret, projected (service-account token, ConfigMap, Secret, downward API)
 * and emptyDir volumes as files under `root`. Pods are host processes, not containers, so a mount path can't
 * exist at its real place: the kubelet rewrites the mount paths that appear in a container's command, args,
 * env values and workingDir to where the files are (`rewrite`). A missing ConfigMap or Secret that is not
 * optional throws `VolumeNotReady`.
 */
export function mountVolumes(pod: KubeObject, mounts: readonly VolumeMountSpec[], sources: VolumeSources, root: string): MountedVolumes {
  const volumes = ((pod.spec as { volumes?: VolumeSpec[] } | undefined)?.volumes ?? []).filter((v) =>
    mounts.some((m) => m.name === v.name),
  );
  const hostDirs = new Map<string, string>();
  for (const volume of volumes) {
    const dir = join(root, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    hostDirs.set(volume.name, dir);
    if (volume.configMap) {
      const data = sources.configMap(volume.configMap.name);
      if (!data) {
        if (volume.configMap.optional) continue;
        throw new VolumeNotReady(`configmap "${volume.configMap.name}" not found`);
      }
      writeFiles(dir, selectKeys(data, volume.configMap.items, `configmap "${volume.configMap.name}"`), volume.configMap.defaultMode);
    } else if (volume.secret) {
      const data = sources.secret(volume.secret.secretName);
      if (!data) {
        if (volume.secret.optional) continue;
        throw new VolumeNotReady(`secret "${volume.secret.secretName}" not found`);
      }
      writeFiles(dir, selectKeys(data, volume.secret.items, `secret "${volume.secret.secretName}"`), volume.secret.defaultMode ?? 0o600);
    } else if (volume.projected) {
      for (const source of volume.projected.sources ?? []) {
        if (source.serviceAccountToken) {
          const token = sources.serviceAccountToken(
            pod,
            source.serviceAccountToken.audience,
            source.serviceAccountToken.expirationSeconds ?? 3607,
          );
          writeFiles(dir, { [source.serviceAccountToken.path]: token }, 0o600);
        } else if (source.configMap) {
          const data = sources.configMap(source.configMap.name);
          if (!data && !source.configMap.optional) throw new VolumeNotReady(`configmap "${source.configMap.name}" not found`);
          if (data) writeFiles(dir, selectKeys(data, source.configMap.items, `configmap "${source.configMap.name}"`), undefined);
        } else if (source.secret) {
          const data = sources.secret(source.secret.name);
          if (!data && !source.secret.optional) throw new VolumeNotReady(`secret "${source.secret.name}" not found`);
          if (data) writeFiles(dir, selectKeys(data, source.secret.items, `secret "${source.secret.name}"`), 0o600);
        } else if (source.downwardAPI) {
          const files: Record<string, string> = {};
          for (const item of source.downwardAPI.items ?? [])
            if (item.fieldRef) files[item.path] = sources.field(pod, item.fieldRef.fieldPath);
          writeFiles(dir, files, undefined);
        }
      }
    }
    // emptyDir (and any source the simulator doesn't know): an empty, writable directory.
  }
  // Longest mount path first, so /a/b wins over /a for /a/b/c.
  const mapped = mounts
    .filter((m) => hostDirs.has(m.name))
    .map((m) => ({ from: m.mountPath.replace(/\/+$/, ''), to: m.subPath ? join(hostDirs.get(m.name)!, m.subPath) : hostDirs.get(m.name)! }))
    .sort((a, b) => b.from.length - a.from.length);
  // One pass with the paths as alternatives, so a replacement is never rewritten again (a host dir under a mount path).
  const pattern =
    mapped.length > 0 ? new RegExp(`(^|[=:,\\s])(${mapped.map((m) => escapeRegExp(m.from)).join('|')})(?=$|[/:,\\s])`, 'g') : undefined;
  return {
    root,
    rewrite(text: string): string {
      if (!pattern) return text;
      return text.replace(pattern, (_match, lead: string, from: string) => `${lead}${mapped.find((m) => m.from === from)!.to}`);
    },
  };
}

/** Removes a pod's volume files. */
export function unmountVolumes(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
