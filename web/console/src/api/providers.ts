// Crypto providers of the server (/api/v1/providers): status, keys, key generation, public keys, and TSA unit
// keys generated inside a provider. Shapes follow src/server/api_providers.cpp and api_tsa_admin.cpp.
import { http } from './client';
import { PATHS } from './paths';

export type ProviderName = 'soft' | 'sdf' | 'pkcs11';

export interface ProviderStatus {
  name: ProviderName;
  library: string;
  token: string;
  reachable: boolean;
  error: { code: string; message: string } | null;
  key_count: number;
  algorithms: string[];
  labels: boolean;
  key_passwords: boolean;
}

export interface ProviderKey {
  provider: ProviderName;
  index: number;
  label: string;
  algorithm: string;
  created: string | null;
  has_password: boolean;
}

export interface NewProviderKey {
  algorithm: string;
  index?: number;
  label?: string;
  password?: string;
}

/** Where a TSA unit's new key goes: the key store (no provider) or inside a provider. */
export interface TsaKeyPlace {
  provider?: ProviderName;
  index?: number;
  password?: string;
}

export const providersApi = {
  list: () => http.json<{ providers: ProviderStatus[] }>('GET', PATHS.providers),
  keys: (name: ProviderName) => http.json<{ provider: string; keys: ProviderKey[] }>('GET', PATHS.providerKeys, { params: { name } }),
  generate: (name: ProviderName, key: NewProviderKey) =>
    http.json<ProviderKey>('POST', PATHS.providerKeys, { params: { name }, json: key }),
  publicKey: (name: ProviderName, index: number) =>
    http.text('GET', PATHS.providerPublicKey, { params: { name, index: String(index) } }),
  tsaGenerate: (name: string, algorithm: string, place: TsaKeyPlace) =>
    http.json<{ name: string; algorithm: string; provider: string; index?: number }>('POST', PATHS.tsaUnits, {
      json: { name, algorithm, ...place },
    }),
};
