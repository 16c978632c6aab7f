import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { COMPUTE_BUDGET_GVR, ResourceKind, SCALING_LAW_GVR, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { REDIS } from '../redis/redis-connection.js';
import { RedisResourceStore } from './redis-resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from './resource-store.tokens.js';

/**
 * The ScalingLaw and ComputeBudget stores (Redis by default; `overrides` swap them, e.g. kubernetes mode's
 * custom resources). Global: every part of the control plane reads the same two stores.
 */
@Module({})
export class ResourcesModule {
  static forRoot(overrides: Provider[] = []): DynamicModule {
    return {
      module: ResourcesModule,
      global: true,
      providers: [
        {
          provide: SCALING_LAW_STORE,
          inject: [REDIS, CONTROL_PLANE_CONFIG],
          useFactory: (redis: Redis, config: ControlPlaneConfig) =>
            new RedisResourceStore<ScalingLaw>(redis, config.queuePrefix, ResourceKind.ScalingLaw, SCALING_LAW_GVR.plural),
        },
        {
          provide: COMPUTE_BUDGET_STORE,
          inject: [REDIS, CONTROL_PLANE_CONFIG],
          useFactory: (redis: Redis, config: ControlPlaneConfig) =>
            new RedisResourceStore<ComputeBudget>(redis, config.queuePrefix, ResourceKind.ComputeBudget, COMPUTE_BUDGET_GVR.plural),
        },
        ...overrides,
      ],
      exports: [SCALING_LAW_STORE, COMPUTE_BUDGET_STORE],
    };
  }
}
