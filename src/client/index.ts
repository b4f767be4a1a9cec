/**
 * The public low-level API: {@link MtClient}, its storage interface, retry policy, update stream and errors.
 *
 * Spec: https://core.telegram.org/api (the API the client speaks).
 */
export { type ActorsOption, type ClientActorStatus, MtClient, type MtClientOptions } from './mt-client.js'
export type { CallOptions, ClientEvent } from './coordinator.js'
export type { ConnectionKind } from './dc-state.js'
export { DcTable } from './dc-table.js'
export { type AppInfo, withInitConnection } from './init-connection.js'
export { DEFAULT_RETRY, FloodWaitError, type RetryPolicy, realSleep, type SleepFn } from './retry.js'
export { MemoryStorage, type Storage, type StoredAuthKey } from './storage.js'
export { DEFAULT_UPDATE_BUFFER, type UpdateItem, type UpdatesOverflow } from './updates.js'
export { createInProcessActor } from '../actors/in-process-actor.js'
export { createWorkerActor } from '../actors/worker-actor.js'
export type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorStatus, ActorTuning, AppliedTuning, DcActor, DcEndpoint, SentRecord, SessionSnapshot, SessionTuning } from '../actors/actor-types.js'
