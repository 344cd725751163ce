/**
 * The sixth provider's emulator: a Zulip organization's `GET /api/v1/users` and
 * `GET /api/v1/users/{user_id}` (https://zulip.com/api/get-users, https://zulip.com/api/get-user), with
 * HTTP Basic auth (email and API key) and Zulip's error body `{result: "error", msg, code}`.
 */
import {
  EmulatorServer,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
} from '../../../src/emulators/base.js';
import type { ZulipWireUser } from './index.js';

export const ZULIP_EMAIL = 'bot@example.zulipchat.com';
export const ZULIP_API_KEY = 'demo-zulip-api-key';

export class ZulipEmulator extends EmulatorServer {
  readonly members: ZulipWireUser[] = Array.from({ length: 12 }, (_, i) => ({
    user_id: 100 + i,
    email: `member${i}@example.com`,
    full_name: `Member ${i}`,
    is_active: i % 5 !== 4,
    is_bot: i === 0,
    avatar_url: i % 2 === 0 ? `https://example.com/avatars/${i}.png` : null,
    date_joined: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
  }));

  constructor(options: { latencyMs?: number } = {}) {
    super('zulip', (req) => this.handle(req), options);
  }

  override errorBody(_status: number, message: string): unknown {
    return { result: 'error', msg: message, code: 'BAD_REQUEST' };
  }

  override refusal(message: string): Fault {
    return { status: 401, body: { result: 'error', msg: message, code: 'UNAUTHORIZED' } };
  }

  demoEnv(): Record<string, string> {
    return { ZULIP_SITE: this.baseUrl, ZULIP_EMAIL, ZULIP_API_KEY };
  }

  private handle(req: EmulatorRequest): EmulatorResponse {
    const expected = `Basic ${Buffer.from(`${ZULIP_EMAIL}:${ZULIP_API_KEY}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return { status: 401, body: { result: 'error', msg: 'Invalid API key', code: 'INVALID_API_KEY' } };
    if (req.method === 'GET' && req.path === '/api/v1/users')
      return { status: 200, body: { result: 'success', msg: '', members: this.members } };
    const one = /^\/api\/v1\/users\/(\d+)$/.exec(req.path);
    if (req.method === 'GET' && one) {
      const user = this.members.find((member) => member.user_id === Number(one[1]));
      return user
        ? { status: 200, body: { result: 'success', msg: '', user } }
        : { status: 400, body: { result: 'error', msg: 'No such user', code: 'BAD_REQUEST' } };
    }
    return { status: 404, body: { result: 'error', msg: 'Not found', code: 'BAD_REQUEST' } };
  }
}
