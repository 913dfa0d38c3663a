import { useId } from 'react';
import { useI18n } from '../i18n/I18nContext';

export interface KeyFileValue {
  name: string;
  pem: string;
}

/** Picks a soft-key file and reads it into memory (never stored anywhere else). */
export function KeyFileField({ value, onChange }: { value: KeyFileValue | null; onChange(v: KeyFileValue | null): void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('login.keyFile')}</label>
      <input
        id={id}
        name="keyfile"
        type="file"
        accept=".pem,.key,application/x-pem-file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          onChange(f ? { name: f.name, pem: await f.text() } : null);
        }}
      />
      {value && <span className="hint ok">✔ {value.name}</span>}
    </div>
  );
}
