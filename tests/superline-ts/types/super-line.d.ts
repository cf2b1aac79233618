// The slice of super-line's API these tests use. The peer in ../shared/peers/super-line is
// shipped as bundled JavaScript without declaration files, so the types are declared here, in
// our words, from what the client does: a request is a method named after it, taking the input
// schema's input type and resolving to the output schema's output type.
declare module "@super-line/core" {
  import type { StandardSchemaV1 } from "@standard-schema/spec";

  export type Schema = StandardSchemaV1;
  export interface RequestDef { input: Schema; output: Schema; description?: string }
  export interface MessageDef { payload: Schema; subscribe?: boolean; description?: string }
  export interface Directional {
    clientToServer?: Record<string, RequestDef>;
    serverToClient?: Record<string, MessageDef>;
  }
  export interface ContractDef {
    shared?: Directional;
    roles: Record<string, Directional>;
  }
  export function defineContract<const C extends ContractDef>(contract: C): C;
}

declare module "@super-line/client" {
  import type { StandardSchemaV1 } from "@standard-schema/spec";
  import type { ContractDef } from "@super-line/core";

  type In<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : never;
  type Out<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : never;
  type Requests<C extends ContractDef, R extends keyof C["roles"]> =
    NonNullable<C["roles"][R]["clientToServer"]>;
  type Pushes<C extends ContractDef, R extends keyof C["roles"]> =
    NonNullable<C["roles"][R]["serverToClient"]> & NonNullable<NonNullable<C["shared"]>["serverToClient"]>;
  type Events<C extends ContractDef, R extends keyof C["roles"]> = {
    [K in keyof Pushes<C, R> as Pushes<C, R>[K] extends { subscribe: true } ? never : K]: Pushes<C, R>[K];
  };
  type Topics<C extends ContractDef, R extends keyof C["roles"]> = {
    [K in keyof Pushes<C, R> as Pushes<C, R>[K] extends { subscribe: true } ? K : never]: Pushes<C, R>[K];
  };

  export interface ClientTransport { connect(params: Record<string, string>, hooks: unknown): unknown }

  export type SuperLineClient<C extends ContractDef, R extends keyof C["roles"]> = {
    [K in keyof Requests<C, R>]: (input: In<Requests<C, R>[K]["input"]>) => Promise<Out<Requests<C, R>[K]["output"]>>;
  } & {
    readonly role: R;
    readonly connected: boolean;
    on<E extends keyof Events<C, R>>(event: E, handler: (data: Out<Events<C, R>[E]["payload"]>) => void): () => void;
    subscribe<T extends keyof Topics<C, R>>(
      topic: T,
      handler: (data: Out<Topics<C, R>[T]["payload"]>) => void,
    ): { ready: Promise<void>; unsubscribe(): void };
    close(): void;
  };

  export function createSuperLineClient<C extends ContractDef, R extends keyof C["roles"] & string>(
    contract: C,
    opts: {
      role: R;
      transport: ClientTransport;
      params?: Record<string, string>;
      reconnect?: boolean;
      timeoutMs?: number;
      validate?: "off" | "inbound";
      onConnect?: () => void;
    },
  ): SuperLineClient<C, R>;
}

declare module "@super-line/transport-websocket" {
  import type { ClientTransport } from "@super-line/client";
  export function webSocketClientTransport(opts: { url: string; WebSocket?: unknown }): ClientTransport;
}

declare module "@super-line/server" {
  // Loosely typed on purpose: the upstream in these tests is plain glue around the framework.
  export function createSuperLineServer(contract: unknown, opts: any): any;
}

declare module "@super-line/transport-websocket" {
  export function webSocketServerTransport(opts: { server?: import("node:http").Server }): unknown;
}
