/** The device and backend names a run asks `initBackend` for (the spec's `model.device` / `model.backend`). */
export const DEVICES = ['auto', 'cpu', 'gpu'] as const;
export type Device = (typeof DEVICES)[number];
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
