// oidc-provider ships no type declarations and package.json is not ours to change (no @types/oidc-provider),
// so this declares the part of its API the sandbox uses, and nothing more. Only the sandbox depends on
// oidc-provider: the broker is a relying party (openid-client).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

  /** The per-request context oidc-provider hands to configuration functions (only what we read). */
  export interface ProviderContext {
    oidc: {
      entities: { AuthorizationCode?: { amr?: string[] } };
      /** the request's parameters (e.g. grant_type at the token endpoint) */
      params?: Record<string, unknown>;
    };
  }

  export interface Token {
    kind: string;
    accountId?: string;
  }

  export interface Interaction {
    uid: string;
    params: Record<string, unknown>;
    prompt: { name: string; details: Record<string, unknown> };
  }

  export type InteractionResult =
    | { error: string; error_description?: string }
    | { login: { accountId: string; amr?: string[]; remember?: boolean }; consent?: { grantId: string } };

  export interface Grant {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    Grant: new (properties: { accountId: string; clientId: string }) => Grant;
    Client: { find(clientId: string): Promise<unknown> };
    /** test/operator/support/standard-operator.ts looks tokens up as a resource server would */
    AccessToken: { find(token: string): Promise<{ accountId?: string; scope?: string; clientId?: string; jkt?: string } | undefined> };
    callback(): RequestListener;
    pathFor(route: string): string;
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    urlFor(route: string): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
