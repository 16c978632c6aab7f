import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamPosition } from '../corpus/token-stream.js';
import type { LossPoint } from './training.types.js';

const FILE_NAME = 'checkpoint.bin';
const FORMAT_VERSION = 1;

/** Everything needed to continue a run exactly where it stopped. */
export interface CheckpointState {
  /** Identifies the run (shape, data, seed, D); a checkpoint of another run is ignored. */
  readonly fingerprint: string;
  readonly backend: string;
  readonly step: number;
  readonly tokens: number;
  readonly position: StreamPosition;
  /** The partly accumulated training-loss window (the next train-loss point averages it). */
  readonly lossWindow: { sum: number; count: number };
  readonly curve: LossPoint[];
  /** Seconds spent in training steps so far (for tokens/s). */
  readonly trainSeconds: number;
  /** Wall seconds of the run so far, over all attempts. */
  readonly wallSeconds: number;
  readonly optimizerStep: number;
  readonly parameters: Float32Array[];
  readonly firstMoments: Float32Array[];
  readonly secondMoments: Float32Array[];
}

interface Header extends Omit<CheckpointState, 'parameters' | 'firstMoments' | 'secondMoments'> {
  readonly version: number;
  readonly lengths: number[];
}

/** Safe directory name for a job id such as `ns/name/run-1`. */
export const checkpointDirFor = (root: string, key: string): string => join(root, encodeURIComponent(key));

/** Writes a checkpoint atomically (temp file + rename): a crash mid-write leaves the previous one intact. */
export function writeCheckpoint(dir: string, state: CheckpointState): void {
  mkdirSync(dir, { recursive: true });
  const arrays = [...state.parameters, ...state.firstMoments, ...state.secondMoments];
  const { parameters: _p, firstMoments: _m, secondMoments: _v, ...rest } = state;
  const header: Header = { ...rest, version: FORMAT_VERSION, lengths: arrays.map((a) => a.length) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((json.length + 4) / 4) * 4;
  const total = padded + arrays.reduce((sum, a) => sum + a.byteLength, 0);
  const buffer = Buffer.alloc(total);
  buffer.writeUInt32LE(json.length, 0);
  json.copy(buffer, 4);
  let offset = padded;
  for (const array of arrays) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(buffer, offset);
    offset += array.byteLength;
  }
  const temp = join(dir, `${FILE_NAME}.tmp-${process.pid}`);
  writeFileSync(temp, buffer);
  renameSync(temp, join(dir, FILE_NAME));
}

/** Reads the checkpoint in `dir`, or undefined when there is none (or it belongs to another run). */
export function readCheckpoint(dir: string, fingerprint: string): CheckpointState | undefined {
  let buffer: Buffer;
  try {
    buffer = readFileSync(join(dir, FILE_NAME));
  } catch {
    return undefined;
  }
  const jsonLength = buffer.readUInt32LE(0);
  const header = JSON.parse(buffer.subarray(4, 4 + jsonLength).toString('utf8')) as Header;
  if (header.version !== FORMAT_VERSION || header.fingerprint !== fingerprint) return undefined;
  let offset = Math.ceil((jsonLength + 4) / 4) * 4;
  const arrays = header.lengths.map((length) => {
    const copy = new Float32Array(length);
    Buffer.from(copy.buffer).set(buffer.subarray(offset, offset + length * 4));
    offset += length * 4;
    return copy;
  });
  const n = header.lengths.length / 3;
  const { version: _version, lengths: _lengths, ...rest } = header;
  return { ...rest, parameters: arrays.slice(0, n), firstMoments: arrays.slice(n, 2 * n), secondMoments: arrays.slice(2 * n) };
}

const RESULT_FILE = 'result.json';

/**
 * Stores a finished run's result next to its checkpoint (which it replaces). If the job has to run again
 * because its result could not be delivered (a lost queue lock, a crash just after training), the rerun
 * returns this instead of training again: a retry is harmless and cheap.
 */
export function writeFinishedResult(dir: string, fingerprint: string, result: unknown): void {
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `${RESULT_FILE}.tmp-${process.pid}`);
  writeFileSync(temp, JSON.stringify({ version: FORMAT_VERSION, fingerprint, result }));
  renameSync(temp, join(dir, RESULT_FILE));
  rmSync(join(dir, FILE_NAME), { force: true });
}

/** The stored result of this run, if it already finished. */
export function readFinishedResult<T>(dir: string, fingerprint: string): T | undefined {
  try {
    const stored = JSON.parse(readFileSync(join(dir, RESULT_FILE), 'utf8')) as { version: number; fingerprint: string; result: T };
    return stored.version === FORMAT_VERSION && stored.fingerprint === fingerprint ? stored.result : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a run's checkpoint directory (after the run finished and its result was delivered). */
export function removeCheckpoint(dir: string): void {
  // existsSync first: most runs (all simulated ones) have none, and rmSync's ENOENT path costs an exception per call.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
