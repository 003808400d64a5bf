import {
  resolveWorldParams, stepWorld, initialWorldState, requireInt, requireObject, ParameterError, XSTATE_COMPONENTS,
  type DeviceEvent, type DeviceSnapshot, type WorldComponents, type WorldEvent, type WorldParamsInput,
} from '../../../machines/index.js';

/**
 * The device-machine events one device slot receives along a world path: the world's own step
 * runs over XState's components, and every event sent to that slot's device (the call itself,
 * and what the kernel does inside it: the release callback's kfree, a probe, an unbind) is
 * recorded in order. What a device statechart trace of a world counterexample draws.
 * @example deviceEventsOf({ devices: 2 }, violation.path, 0)
 */
export function deviceEventsOf(input: WorldParamsInput, path: readonly WorldEvent[], dev: number): DeviceEvent[] {
  const params = resolveWorldParams(input);
  requireObject('path', path, 'an array of world events');
  if (!Array.isArray(path)) throw new ParameterError('path', path, 'an array of world events');
  requireInt('dev', dev, 0, params.devices - 1, 'a device slot of the world');
  const recorded: DeviceEvent[] = [];
  let tracked: DeviceSnapshot | null = null;
  const k: WorldComponents<DeviceSnapshot, unknown, unknown> = {
    ...(XSTATE_COMPONENTS as unknown as WorldComponents<DeviceSnapshot, unknown, unknown>),
    device: {
      ...XSTATE_COMPONENTS.device,
      step: (s, e) => {
        const r = XSTATE_COMPONENTS.device.step(s, e);
        if (s === tracked) {
          recorded.push(e);
          tracked = r[0];
        }
        return r;
      },
    },
  };
  let state = initialWorldState(k, params);
  for (const event of path) {
    tracked = state.devices[dev] ?? null;
    state = stepWorld(k, params, state, event).state;
  }
  return recorded;
}
