/** The image report's fidelity line beside the privacy gate (report/html/images.ts imageFidelityVerdict). */
import { describe, expect, it } from 'vitest';
import { imageFidelityVerdict } from '../src/report/html/images.js';
import type { ImageReport } from '../src/report/model.js';

const c2st = (synthetic: number, heldOut?: number) =>
  ({ synthetic: { auc: synthetic }, ...(heldOut !== undefined ? { heldOutReal: { auc: heldOut } } : {}) }) as unknown as ImageReport['detection'];

describe('image fidelity verdict', () => {
  it('says not yet realistic when a detector separates synthetic slices more than 0.10 of AUC better than held-out real ones', () => {
    // As brain-mr at 128², 800 CPU steps (README): CNN 0.565 against 0.833, forest 1.000 (its baseline here made up).
    const v = imageFidelityVerdict({ detection: c2st(1, 0.62), cnnDetection: c2st(0.565, 0.833) as ImageReport['cnnDetection'] });
    expect(v).toEqual({
      realistic: false,
      text: 'not yet realistic: the pixel-feature forest C2ST tells synthetic from training slices at AUC 1.000 (held-out real slices 0.620), more than 0.10 above real slices.',
    });
  });

  it('says realistic, with every detector, when none is more than 0.10 above the held-out baseline', () => {
    const v = imageFidelityVerdict({ detection: c2st(0.7, 0.65), cnnDetection: c2st(0.6, 0.55) as ImageReport['cnnDetection'] });
    expect(v).toEqual({
      realistic: true,
      text: 'synthetic slices are no easier to tell from training slices than held-out real ones: pixel-feature forest C2ST AUC 0.700 (held-out real slices 0.650); CNN C2ST AUC 0.600 (held-out real slices 0.550).',
    });
  });

  it('says nothing without a held-out baseline', () => {
    expect(imageFidelityVerdict({ detection: c2st(0.9) })).toBeUndefined();
    expect(imageFidelityVerdict({})).toBeUndefined();
  });
});
