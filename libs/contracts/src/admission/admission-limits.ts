/**
 * The admission contract's numeric limits, defined once. The zod schemas of this library use them, so the
 * generated CRD schemas, the REST API, `scaleplan submit` and the worker's payload check all enforce the
 * same values. Each limit says why it is where it is: a value past it is one the workers or the allocation
 * cannot honour, not merely an unusual one.
 */
export const ADMISSION_LIMITS = {
  /**
   * Largest ComputeBudget (and `target.atFlops`, `maxFlops`): ~2,000× the largest training runs reported by
   * 2025 (~5e26 FLOPs). The laws are fitted far below it, and up to it N_opt and D_opt stay exact in a double
   * (D_opt ≈ 2e15 tokens at 1e30 under Chinchilla); `flops: 1e308` gave N_opt 3.66e156.
   */
  maxBudgetFlops: 1e30,
  /**
   * Largest IsoFLOP budget of a sweep. Sweeps are many small runs (Chinchilla's largest was 3e21); past 1e24
   * the runs the planner lays out need more tokens than a job can carry exactly (maxRunTokens).
   */
  maxSweepBudgetFlops: 1e24,
  /** Accelerator-hours of a budget: 1e10 is a million accelerators for 1,100 years. The FLOPs they resolve to obey maxBudgetFlops. */
  maxAcceleratorHours: 1e10,
  /**
   * Token counts a user gives (`uniqueTokens`, `inference.tokens`): 1e18 is ~3,000× the estimated stock of
   * human-written public text (~3e14 tokens, Villalobos et al. 2024), and keeps epoch and FLOP products finite.
   */
  maxTokens: 1e18,
  /** Training tokens of one run: an exact integer in a double (2^53 − 1), since the worker counts them one batch at a time. */
  maxRunTokens: Number.MAX_SAFE_INTEGER,
  /** Non-embedding parameters of one run: above the largest transformer the shape solver builds (256 layers × 32,768 wide ≈ 5.5e12). */
  maxRunParams: 1e13,
  /** Seeds: the workers' and the bootstrap's generators are 32-bit (mulberry32); 2^31 − 1 leaves room for replicate offsets. */
  maxSeed: 2_147_483_647,
  /** A run's seed (the spec's seed plus its replicate offset): what a 32-bit generator takes. */
  maxRunSeed: 4_294_967_295,
  /** Sweep budgets: at most 20 (each becomes a set of runs). Budgets must differ in 3 significant figures, the precision of run ids. */
  maxSweepBudgets: 20,
  budgetSignificantFigures: 3,
  /** Simulated laws: losses in nats/token. 100 is far above any real loss (a uniform byte model is ln 256 ≈ 5.5). */
  maxIrreducibleLoss: 100,
  /** Simulated laws: A and B of L = E + A/N^α + B/D^β (published fits are 400–2,100). Larger coefficients overflow the fits' objective. */
  maxLawCoefficient: 1e9,
  /** Simulated laws: α and β (published fits are 0.07–0.8); past 4 the loss terms underflow to 0 at every trainable size. */
  maxLawExponent: 4,
  /** DNS-1123 label: Kubernetes' limit for namespaces, and ours for object names (they become job ids and Job names). */
  maxNameLength: 63,
  /** Label values (Kubernetes' rule). */
  maxLabelValueLength: 63,
  /** Label and annotation keys: an optional DNS-1123 subdomain prefix (253) + "/" + a 63-character name. */
  maxLabelKeyLength: 317,
  /** Labels and annotations per object: enough for every tool we know of, and a bound on what a list returns. */
  maxLabels: 64,
  maxAnnotations: 64,
  /** Total bytes of an object's annotations (Kubernetes allows 256 KiB; a ScalePlan object needs no more than this). */
  maxAnnotationBytes: 64 * 1024,
  maxFinalizers: 16,
  /** Finalizer names and metadata strings the server sets (uid, resourceVersion, timestamps). */
  maxMetadataStringLength: 253,
  /** A corpus path under the data directory, in characters (Linux PATH_MAX is 4096; a path this long is a mistake). */
  maxCorpusPathLength: 255,
  /** Accelerator names are short table keys (h100-sxm, tpu-v5e). */
  maxAcceleratorNameLength: 64,
  /** Run ids: the planner writes `c<budget>-n<params>[-r<k>]`, well under this. */
  maxRunIdLength: 128,
} as const;

/**
 * Request bodies. A ScalingLaw or ComputeBudget is a few KB; JSON parses in linear time, so 1 MiB is generous.
 * YAML is parsed with an AST and its costs grow faster than its size (pathological documents take seconds per
 * 100 KB), so YAML bodies and files get a tighter limit and a structure check before they are parsed
 * (yaml-input.ts).
 */
export const REQUEST_LIMITS = {
  maxJsonBodyBytes: 1024 * 1024,
  maxYamlBytes: 128 * 1024,
  /**
   * Collections nested deeper than this are refused before values are built: the yaml library builds them
   * recursively, and thousands of levels (a few KB of `[[[` or `- - -`) overflow the stack or abort the process.
   */
  maxYamlDepth: 64,
  /** Anchors and aliases per document: a resource needs none; these bound alias expansion ("billion laughs"). */
  maxYamlAliases: 100,
  maxYamlAnchors: 100,
  /** Documents in one YAML file given to `scaleplan submit` (a REST body holds exactly one). */
  maxYamlDocuments: 100,
  /** Field problems reported in one 400 answer; the rest are counted. */
  maxReportedProblems: 20,
} as const;
