/**
 * The packages only DICOM pipelines use: optional peer dependencies of synthdiff (package.json
 * `peerDependenciesMeta`), so a tabular install does not download them. Image modules load them; a
 * missing one becomes one line naming the install command (test/library-pack.test.ts checks the list
 * against package.json).
 */
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';

export const DICOM_PACKAGES: Readonly<Record<string, string>> = {
  '@cornerstonejs/codec-charls': '1.2.7',
  '@cornerstonejs/codec-libjpeg-turbo-8bit': '1.2.8',
  '@cornerstonejs/codec-openjpeg': '1.3.6',
  dcmjs: '0.51.1',
  'dicom-parser': '1.8.21',
  'jpeg-lossless-decoder-js': '2.1.2',
};

/** `npm install …` for every DICOM package, at the pinned versions. */
export function dicomInstallCommand(): string {
  return `npm install ${Object.entries(DICOM_PACKAGES).map(([name, v]) => `${name}@${v}`).join(' ')}`;
}

/**
 * The one-line error for a failed import whose cause is a DICOM package that is not installed (Node's
 * ERR_MODULE_NOT_FOUND / MODULE_NOT_FOUND naming it); undefined for any other failure.
 */
export function missingDicomPackage(e: unknown): DicomError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const named = /Cannot find (?:package|module) '([^']+)'/.exec(String((e as Error).message))?.[1];
  const pkg = named && Object.keys(DICOM_PACKAGES).find((p) => named === p || named.startsWith(`${p}/`));
  return pkg ? new DicomError(messages.dicomPackageMissing(pkg, dicomInstallCommand())) : undefined;
}

/** `import(…)` of a DICOM package or module, with a missing package reported as `missingDicomPackage` says. */
export async function importDicom<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw missingDicomPackage(e) ?? e;
  }
}
