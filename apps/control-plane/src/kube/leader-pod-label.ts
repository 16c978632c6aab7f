import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/**
 * Label of the control-plane pod that holds the leader Lease. The Service selects on it, so requests reach the
 * leader only while every replica stays Ready (a standby is healthy, just not the writer), which is what lets a
 * PodDisruptionBudget drain one replica at a time.
 */
export const LEADER_LABEL = 'scaleplan.dev/leader';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Moves the leader label to this pod when it starts leading (taking it off any other pod first: a crashed
 * leader's pod may still carry it), and takes it off when it stops.
 */
export function leaderPodLabeler(
  core: Pick<CoreV1Api, 'listNamespacedPod' | 'patchNamespacedPod'>,
  pod: { readonly namespace: string; readonly name: string },
): (leading: boolean) => Promise<void> {
  const label = (name: string, value: string | null) =>
    core.patchNamespacedPod({ name, namespace: pod.namespace, body: { metadata: { labels: { [LEADER_LABEL]: value } } } }, MERGE_PATCH);
  return async (leading) => {
    if (!leading) {
      await label(pod.name, null);
      return;
    }
    const others = await core.listNamespacedPod({ namespace: pod.namespace, labelSelector: `${LEADER_LABEL}=true` });
    for (const other of others.items) if (other.metadata?.name && other.metadata.name !== pod.name) await label(other.metadata.name, null);
    await label(pod.name, 'true');
  };
}
