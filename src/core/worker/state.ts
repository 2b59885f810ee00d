import type * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend/names.js';
import type { Backbone } from '../backbones/load.js';

/** What one worker thread holds between calls: the loaded backbone and the current head. */
export interface WorkerState {
  backend?: BackendInfo;
  backbone?: Backbone;
  head?: tf.LayersModel;
}

export const state: WorkerState = {};

export function requireBackbone(): Backbone {
  if (!state.backbone) throw new Error('no backbone loaded in this worker');
  return state.backbone;
}

export function requireHead(): tf.LayersModel {
  if (!state.head) throw new Error('no head loaded in this worker');
  return state.head;
}
