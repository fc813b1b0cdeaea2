import type { StepHandler } from '../step.js';
import { assertStep } from './assert.js';
import {
  freezeMasterStep,
  freezeNodeStep,
  killMasterStep,
  killNodeStep,
  termMasterStep,
  termNodeStep,
} from './break-master.js';
import { restartNodeStep, resumeNodeStep } from './bring-back.js';
import { failoverStep } from './failover.js';
import { healStep, partitionStep } from './partition.js';
import { populateStep } from './populate.js';
import { addNodeStep, fixStep, rebalanceStep, removeNodeStep, reshardStep } from './scale.js';
import { waitForStep } from './wait-for.js';

/** Every step a drill can have, in the order the docs list them. A new step is one file and one entry here. */
export const STEPS: readonly StepHandler[] = [
  killMasterStep,
  termMasterStep,
  freezeMasterStep,
  killNodeStep,
  termNodeStep,
  freezeNodeStep,
  partitionStep,
  healStep,
  restartNodeStep,
  resumeNodeStep,
  failoverStep,
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
