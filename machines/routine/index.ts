export { routineMachine, moduleMachine, type RoutineMachine, type ModuleMachine } from './routine.machine.js';
export { routineGuards, moduleGuards, type RoutineArgs } from './routine.logic.js';
export * from './routine.types.js';
