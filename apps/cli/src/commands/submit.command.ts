import { readFile } from 'node:fs/promises';
import { computeBudgetSchema, findPrototypeKey, parseYamlDocuments, scalingLawSchema } from '@scaleplan/contracts';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-errors.js';
import { ApiCallError, bearerToken, callApi, serverUrl } from './control-plane-client.js';

const PLURALS: Record<string, string> = { ScalingLaw: 'scalinglaws', ComputeBudget: 'computebudgets' };
const SCHEMAS = { ScalingLaw: scalingLawSchema, ComputeBudget: computeBudgetSchema } as const;

interface ResourceDocument {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/**
 * Parses a multi-document YAML file of ScalingLaw / ComputeBudget objects and checks every document against the
 * admission contract (the schemas the control plane uses) before anything is sent, so a bad document does not
 * leave the file half-applied. Errors name the file, the document and the field.
 */
export function parseResourceFile(text: string, file: string): ResourceDocument[] {
  const parsed = parseYamlDocuments(text);
  if (!parsed.ok) throw new CliUsageError(`${file}: ${parsed.reason}`);
  const resources: ResourceDocument[] = [];
  parsed.documents.forEach((value, index) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new CliUsageError(`${file}: document ${index + 1} is not an object`);
    const resource = value as ResourceDocument;
    if (!resource.kind || !Object.hasOwn(PLURALS, resource.kind)) {
      throw new CliUsageError(`${file}: document ${index + 1}: kind must be ScalingLaw or ComputeBudget, got ${String(resource.kind)}`);
    }
    if (!resource.metadata?.name) throw new CliUsageError(`${file}: document ${index + 1}: metadata.name is required`);
    const prototypeKey = findPrototypeKey(value);
    if (prototypeKey)
      throw new CliUsageError(`${file}: document ${index + 1}: ${prototypeKey}: __proto__ is not a field name anywhere in a resource`);
    const checked = SCHEMAS[resource.kind as keyof typeof SCHEMAS].safeParse(value);
    if (!checked.success) {
      const problems = checked.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`);
      throw new CliUsageError(
        `${file}: document ${index + 1} (${resource.kind} ${String(resource.metadata.name)}): ${problems.join('; ')}`,
      );
    }
    resources.push(resource);
  });
  if (resources.length === 0) throw new CliUsageError(`${file}: no ScalingLaw or ComputeBudget documents`);
  return resources;
}

/** `scaleplan submit FILE.yaml`: creates (or updates the spec of) each resource on a running control plane. */
export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('Submit ScalingLaw / ComputeBudget objects (multi-document YAML, same as the custom resources) to a running control plane')
    .argument('<file>', 'YAML file')
    .option('--server <url>', 'control plane URL (default: $SCALEPLAN_SERVER or http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (default: $SCALEPLAN_DASHBOARD_TOKEN)')
    .action(async (file: string, options: { server?: string; token?: string }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CliUsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const server = serverUrl(options.server);
      const token = bearerToken(options.token);
      // Laws first, so that budgets naming them validate.
      const resources = parseResourceFile(text, file).sort((a, b) => (a.kind === 'ScalingLaw' ? 0 : 1) - (b.kind === 'ScalingLaw' ? 0 : 1));
      for (const resource of resources) {
        const namespace = resource.metadata?.namespace ?? 'default';
        const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${PLURALS[resource.kind as string]}`;
        const name = resource.metadata?.name as string;
        try {
          await callApi(server, base, { method: 'POST', body: resource, token });
          process.stdout.write(`${resource.kind?.toLowerCase()}/${name} created\n`);
        } catch (error) {
          if (!(error instanceof ApiCallError) || error.status !== 409) throw error;
          await callApi(server, `${base}/${encodeURIComponent(name)}`, { method: 'PUT', body: resource, token });
          process.stdout.write(`${resource.kind?.toLowerCase()}/${name} configured\n`);
        }
      }
    });
}
