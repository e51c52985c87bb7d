/**
 * The image pipeline, loaded when a spec asks for one: its modules import the DICOM packages, which are
 * optional (io/dicom/packages.ts), so table runs and the library never load them.
 */
import { missingDicomPackage } from '../../io/dicom/packages.js';

export async function loadImagePipeline(): Promise<typeof import('./run.js')> {
  try {
    return await import('./run.js');
  } catch (e) {
    throw missingDicomPackage(e) ?? e;
  }
}
