import type { StepHandler } from '../step.js';
import { assertStep } from './assert.js';
import { restartNodeStep, resumeNodeStep } from './bring-back.js';
import { failoverStep } from './failover.js';
import { blackholeStep, flakyStep, healStep, partitionStep } from './partition.js';
import { populateStep } from './populate.js';
import { reshardKillSourceStep, reshardKillTargetStep, reshardStep } from './reshard.js';
import { addNodeStep, fixStep, rebalanceStep, removeNodeStep } from './scale.js';
import {
  freezeMasterStep,
  freezeNodeStep,
  freezeStep,
  killMasterStep,
  killNodeStep,
  killStep,
  termMasterStep,
  termNodeStep,
  termStep,
} from './signal.js';
import { powerLossStep } from './power-loss.js';
import { quickRestartStep } from './quick-restart.js';
import { killDuringSyncStep } from './kill-during-sync.js';
import { rollingRestartStep } from './rolling-restart.js';
import { waitForStep } from './wait-for.js';

/**
 * Every step a drill can have, in the order the docs list them: the fault
 * catalogue's steps first (src/faults/catalog.ts), then their node-specific
 * spellings, the restores, the cluster changes and the waits. A new step is
 * one file and one entry here.
 */
export const STEPS: readonly StepHandler[] = [
  killStep,
  termStep,
  freezeStep,
  failoverStep,
  partitionStep,
  flakyStep,
  blackholeStep,
  reshardKillSourceStep,
  reshardKillTargetStep,
  quickRestartStep,
  powerLossStep,
  rollingRestartStep,
  killDuringSyncStep,
  killMasterStep,
  termMasterStep,
  freezeMasterStep,
  killNodeStep,
  termNodeStep,
  freezeNodeStep,
  healStep,
  restartNodeStep,
  resumeNodeStep,
  reshardStep,
  rebalanceStep,
  addNodeStep,
  removeNodeStep,
  fixStep,
  waitForStep,
  populateStep,
  assertStep,
];

export const STEP_NAMES: readonly string[] = STEPS.map((s) => s.name);

/** A step by its name or an older spelling (stop-master is term-master). */
export function stepHandler(name: string): StepHandler | undefined {
  return STEPS.find((s) => s.name === name || s.aliases?.includes(name));
}
