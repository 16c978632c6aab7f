import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { CliUsageError } from '../cli-errors.js';
import { ApiCallError, bearerToken, callApi, serverUrl } from './control-plane-client.js';

const PLURALS: Record<string, string> = { ScalingLaw: 'scalinglaws', ComputeBudget: 'computebudgets' };

interface ResourceDocument {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** Parses a multi-document YAML file of ScalingLaw / ComputeBudget objects, naming the file and document on errors. */
export function parseResourceFile(text: string, file: string): ResourceDocument[] {
  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [documents];
  const resources: ResourceDocument[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) throw new CliUsageError(`${file}: document ${index + 1}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new CliUsageError(`${file}: document ${index + 1} is not an object`);
    const resource = value as ResourceDocument;
    if (!resource.kind || !PLURALS[resource.kind]) {
      throw new CliUsageError(`${file}: document ${index + 1}: kind must be ScalingLaw or ComputeBudget, got ${String(resource.kind)}`);
    }
    if (!resource.metadata?.name) throw new CliUsageError(`${file}: document ${index + 1}: metadata.name is required`);
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
