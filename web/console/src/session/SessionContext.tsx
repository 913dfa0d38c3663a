// The signed-in administrator, their smart key (in memory only) and the key-presence heartbeat.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from '../api/client';
import type { SessionInfo } from '../api/types';
import type { KeyDevice } from '../crypto/keyDevice';
import { bytesToBase64 } from '../crypto/encoding';
import type { MessageKey } from '../i18n/dict';

export type EndReason = 'key_removed' | 'ended' | 'reload' | 'logout' | 'restored';

interface SessionState {
  session: SessionInfo | null;
  key: KeyDevice | null;
  booting: boolean;
  /** Why the previous session ended (shown on the sign-in page). */
  endNotice: MessageKey | null;
  login(username: string, password: string, key: KeyDevice): Promise<SessionInfo>;
  logout(): Promise<void>;
  removeKey(): void;
  insertKey(key: KeyDevice): void;
  passwordChanged(): void;
  /** The node was restored from a backup and restarted: every session ended. */
  restored(): void;
  /** A restore is on its way (true) or failed (false): meanwhile a 401 means the restore ended the session. */
  expectRestore(on: boolean): void;
}

const Ctx = createContext<SessionState | null>(null);
const ACTIVE_FLAG = 'medsign.session-active';

const NOTICE: Record<EndReason, MessageKey> = {
  key_removed: 'login.keyRemovedNotice',
  ended: 'login.sessionEnded',
  reload: 'login.reloadNotice',
  logout: 'login.loggedOut',
  restored: 'login.restoredNotice',
};

async function signChallenge(key: KeyDevice, toSign: string): Promise<string> {
  return bytesToBase64(await key.sign(new TextEncoder().encode(toSign)));
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [key, setKey] = useState<KeyDevice | null>(null);
  const [booting, setBooting] = useState(true);
  const [endNotice, setEndNotice] = useState<MessageKey | null>(null);
  const keyRef = useRef<KeyDevice | null>(null);
  const keyWasRemoved = useRef(false);
  const restoring = useRef(false);
  keyRef.current = key;

  const end = useCallback((reason: EndReason) => {
    sessionStorage.removeItem(ACTIVE_FLAG);
    setCsrfToken('');
    setSession(null);
    setKey(null);
    setEndNotice(NOTICE[reason]);
  }, []);

  // Why a 401 ended the session.
  const reasonFor = useCallback(
    (err: ApiError): EndReason =>
      restoring.current ? 'restored' : err.code === 'key_absent' || keyWasRemoved.current ? 'key_removed' : 'ended',
    [],
  );

  // Any 401 of an authenticated call means the server ended the session.
  useEffect(() => {
    onUnauthorized((err: ApiError) => end(reasonFor(err)));
    return () => onUnauthorized(null);
  }, [end, reasonFor]);

  // A session cookie may survive a reload, but the key does not: end that session cleanly. A flag in
  // sessionStorage (no secret) says whether this tab had a session, so a fresh visit asks nothing.
  useEffect(() => {
    let cancelled = false;
    if (sessionStorage.getItem(ACTIVE_FLAG) !== '1') {
      setBooting(false);
      return;
    }
    sessionStorage.removeItem(ACTIVE_FLAG);
    api
      .me()
      .then(async (me) => {
        setCsrfToken(me.csrf_token);
        await api.logout().catch(() => undefined);
        setCsrfToken('');
        if (!cancelled) setEndNotice(NOTICE.reload);
      })
      .catch(() => !cancelled && setEndNotice(NOTICE.ended))
      .finally(() => !cancelled && setBooting(false));
    return () => {
      cancelled = true;
    };
  }, []);

  // Heartbeat: answer a challenge with the key every interval; without a key, keep asking the server
  // whether the session still lives so that the console notices when it ends.
  useEffect(() => {
    if (!session) return;
    const intervalMs = Math.max(1, session.heartbeat_interval_s) * 1000;
    let stopped = false;
    const beat = async () => {
      const k = keyRef.current;
      try {
        if (k) {
          const c = await api.heartbeatChallenge();
          if (stopped || keyRef.current !== k) return;
          await api.heartbeat(c.challenge_id, await signChallenge(k, c.to_sign));
        } else {
          await api.me();
        }
      } catch (e) {
        // The 401 that ends the session is handled by onUnauthorized; me() is an anonymous call, so here too.
        if (e instanceof ApiError && e.status === 401) end(reasonFor(e));
        else if (!(e instanceof ApiError)) console.warn('heartbeat', e);
      }
    };
    const timer = window.setInterval(beat, Math.max(1000, intervalMs * 0.6));
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [session, end, reasonFor]);

  const login = useCallback(async (username: string, password: string, k: KeyDevice) => {
    restoring.current = false;  // a new session: a restore before it is over
    const c = await api.challenge(username);
    const signature = await signChallenge(k, c.to_sign);
    const s = await api.login(username, password, c.challenge_id, signature);
    setCsrfToken(s.csrf_token);
    sessionStorage.setItem(ACTIVE_FLAG, '1');
    keyWasRemoved.current = false;
    setKey(k);
    setEndNotice(null);
    setSession(s);
    return s;
  }, []);

  const logout = useCallback(async () => {
    await api.logout().catch(() => undefined);
    end('logout');
  }, [end]);

  const removeKey = useCallback(() => {
    keyWasRemoved.current = true;
    setKey(null);
  }, []);

  const insertKey = useCallback((k: KeyDevice) => {
    keyWasRemoved.current = false;
    setKey(k);
  }, []);

  const passwordChanged = useCallback(() => {
    setSession((s) => (s ? { ...s, must_change_password: false } : s));
  }, []);

  const restored = useCallback(() => end('restored'), [end]);
  const expectRestore = useCallback((on: boolean) => {
    restoring.current = on;
  }, []);

  const value = useMemo(
    () => ({ session, key, booting, endNotice, login, logout, removeKey, insertKey, passwordChanged, restored,
      expectRestore }),
    [session, key, booting, endNotice, login, logout, removeKey, insertKey, passwordChanged, restored, expectRestore],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
