/** The device and backend names a run asks `initBackend` for (the spec's `model.device` / `model.backend`). */
export type Device = 'auto' | 'cpu' | 'gpu';
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
