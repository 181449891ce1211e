/** The golden vectors of scripts/fixtures/ensemble.py, typed. */
import { readFileSync } from 'node:fs';

export interface EnsembleFixture {
  nms: { name: string; boxes: number[]; scores: number[]; keeps: { iou: number; keep: number[] }[] }[];
  batchedNms: { boxes: number[]; scores: number[]; classes: number[]; iou: number; keep: number[] }[];
  boxIou: { a: number[]; b: number[]; iou: number[] };
  softNms: {
    boxes: number[];
    scores: number[];
    cases: { method: 'linear' | 'gaussian'; sigma: number; iouThreshold: number; scoreThreshold: number; keep: number[]; scores: number[] }[];
  };
  wbf: {
    height: number;
    width: number;
    models: { boxes: number[]; scores: number[]; labels: number[] }[];
    cases: {
      confType: 'avg' | 'max' | 'box_and_model_avg' | 'absent_model_aware_avg';
      weights: number[];
      iouThreshold: number;
      skipBoxThreshold: number;
      allowsOverflow: boolean;
      boxes: number[];
      scores: number[];
      labels: number[];
      sourceModel: number[];
      sourceIndex: number[];
    }[];
  };
  overlap: {
    height: number;
    width: number;
    masks: string[];
    scores: number[];
    classes: number[];
    minPixels: number[];
    majority: number;
    own: { kept: number[]; masks: string[] };
    majorityClass: { kept: number[]; masks: string[] };
  };
}

export const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/ensemble.json', import.meta.url), 'utf8'),
) as EnsembleFixture;
