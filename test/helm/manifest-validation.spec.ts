import { describe, expect, it } from 'vitest';
import { ciScenarios, renderChart } from './support/helm-render.js';
import { validateManifest } from './support/kube-validate.js';

const scenarios: [string, string[]][] = [
  ['default values', []],
  ...Object.entries(ciScenarios()).map(([file, text]) => [file, [text]] as [string, string[]]),
  // Everything optional switched on at once, so no template escapes validation.
  [
    'all optional objects',
    [
      'controlPlane: {ingress: {enabled: true}, podDisruptionBudget: {enabled: true}}\nworker: {podDisruptionBudget: {enabled: true}, checkpoints: {persistence: {enabled: true}}, autoscaling: {enabled: true, mode: keda}}\nserviceMonitor: {enabled: true}',
    ],
  ],
  // Dispatch mode jobs: the Job RBAC and the final-run PriorityClass, no worker objects.
  ['dispatch mode jobs', ['dispatch: {mode: jobs}\nnetworkPolicy: {ingressFrom: [{namespaceSelector: {}}]}']],
  ['dispatch mode jobs, all namespaces', ['dispatch: {mode: jobs}\ncontrolPlane: {watchAllNamespaces: true}']],
];

describe('rendered manifests validate against the Kubernetes API schemas', () => {
  it.each(scenarios)('%s', async (_scenario, valuesYaml) => {
    const { manifests } = await renderChart({ valuesYaml });
    const problems = (await Promise.all(manifests.map((m) => validateManifest(m)))).flat();
    expect(problems).toEqual([]);
  });

  it('catches what the validator is there for: wrong types, unknown fields, bad names', async () => {
    const { manifests } = await renderChart();
    const deployment = structuredClone(manifests.find((m) => m.kind === 'Deployment')!);
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true; // the classic typo
    deployment.spec.replicas = '2';
    deployment.metadata.name = 'Control_Plane';
    const messages = (await validateManifest(deployment)).map((p) => p.message).join('\n');
    expect(messages).toContain(
      'Deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem is not a field of V1SecurityContext',
    );
    expect(messages).toContain('data/spec/replicas must be integer');
    expect(messages).toContain('metadata.name "Control_Plane" is not a valid Deployment name');
    const scaled = structuredClone(
      (await renderChart({ valuesYaml: ['worker: {autoscaling: {enabled: true, mode: keda}}'] })).manifests.find(
        (m) => m.kind === 'ScaledObject',
      )!,
    );
    delete scaled.spec.scaleTargetRef;
    expect((await validateManifest(scaled)).map((p) => p.message).join('\n')).toContain(
      'data/spec must have required property scaleTargetRef',
    );
  });
});
