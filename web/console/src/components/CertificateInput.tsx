import { useId, useState } from 'react';
import { certificateText } from '../api/operations';
import { useI18n } from '../i18n/I18nContext';

/**
 * A certificate, CRL or request from a file (PEM or DER; DER is passed on as Base64) or pasted as PEM.
 * onChange receives the text to send, or '' when there is none.
 */
export function CertificateInput({ label, accept, onChange, id, rows = 5, placeholder }: {
  label: string;
  accept: string;
  onChange(text: string): void;
  id?: string;
  rows?: number;
  placeholder?: string;
}) {
  const { t } = useI18n();
  const auto = useId();
  const base = id ?? auto;
  const [file, setFile] = useState('');
  const [pasted, setPasted] = useState('');
  return (
    <div className="field cert-input">
      <label htmlFor={base + '-file'}>{label}</label>
      <input id={base + '-file'} type="file" accept={accept}
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) { setFile(''); onChange(pasted.trim()); return; }
          setFile(f.name);
          setPasted('');
          onChange(await certificateText(f));
        }} />
      {file && <span className="hint ok">✔ {file}</span>}
      <label htmlFor={base + '-paste'} className="muted small paste-label">{t('cert.orPaste')}</label>
      <textarea id={base + '-paste'} className="mono" rows={rows} value={pasted} spellCheck={false}
        placeholder={placeholder ?? '-----BEGIN CERTIFICATE-----'}
        onChange={(e) => { setPasted(e.target.value); setFile(''); onChange(e.target.value.trim()); }} />
    </div>
  );
}
