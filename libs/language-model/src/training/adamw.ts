import * as tf from '@tensorflow/tfjs';
import { ADAMW } from '../shapes/training-rules.js';

/** AdamW state that a checkpoint must carry (moments per parameter, in parameter order). */
export interface AdamWState {
  readonly step: number;
  readonly firstMoments: Float32Array[];
  readonly secondMoments: Float32Array[];
}

/**
 * AdamW (Loshchilov & Hutter 2019) with decoupled weight decay on the flagged parameters and global-norm
 * gradient clipping. Written with plain ops so its state can be saved and restored bit-exactly.
 * (Per parameter, not on one flat vector: splitting a flat update back into parameters would cost one full
 * copy of the vector per parameter on the wasm backend, whose Slice kernel copies its whole input.)
 */
export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private stepCount = 0;

  constructor(
    private readonly params: tf.Variable[],
    private readonly decay: boolean[],
    private readonly hyper: typeof ADAMW = ADAMW,
  ) {
    // Variables keep their data; the tidy disposes the initial tensors they were made from.
    this.m = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
    this.v = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
  }

  get step(): number {
    return this.stepCount;
  }

  /** Global L2 norm of the gradients, as a scalar tensor (the caller reads it together with the loss). */
  static globalNorm(gradients: tf.Tensor[]): tf.Scalar {
    return tf.tidy(() => tf.addN(gradients.map((g) => g.square().sum())).sqrt() as tf.Scalar);
  }

  /** One update with learning rate `lr`; gradients are scaled by `clipScale` first. Disposes nothing it did not make. */
  apply(gradients: tf.Tensor[], lr: number, clipScale: number): void {
    this.stepCount += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.hyper;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = 1 - beta2 ** this.stepCount;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = clipScale === 1 ? gradients[i]! : gradients[i]!.mul(clipScale);
        const m = this.m[i]!.mul(beta1).add(g.mul(1 - beta1));
        const v = this.v[i]!.mul(beta2).add(g.square().mul(1 - beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        let update = m.div(v.div(correction2).sqrt().add(epsilon)).mul(lr / correction1);
        if (this.decay[i]) update = update.add(p.mul(lr * weightDecay));
        p.assign(p.sub(update));
      });
    });
  }

  state(): AdamWState {
    return {
      step: this.stepCount,
      firstMoments: this.m.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      secondMoments: this.v.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
  }

  restore(state: AdamWState): void {
    this.stepCount = state.step;
    tf.tidy(() => {
      this.m.forEach((t, i) => t.assign(tf.tensor(state.firstMoments[i]!, t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(state.secondMoments[i]!, t.shape)));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
