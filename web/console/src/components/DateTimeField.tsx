import { useId, useState, type KeyboardEvent } from 'react';
import { parseDateTimeText, toDateTimeText } from '../format';
import { useI18n } from '../i18n/I18nContext';

type Mode = 'datetime' | 'date';

// Segments of "YYYY-MM-DD HH:mm" by character offset, for stepping with the arrow keys.
const SEGMENTS: { from: number; to: number; step(d: Date, n: number): void }[] = [
  { from: 0, to: 4, step: (d, n) => d.setFullYear(d.getFullYear() + n) },
  { from: 5, to: 7, step: (d, n) => d.setMonth(d.getMonth() + n) },
  { from: 8, to: 10, step: (d, n) => d.setDate(d.getDate() + n) },
  { from: 11, to: 13, step: (d, n) => d.setHours(d.getHours() + n) },
  { from: 14, to: 16, step: (d, n) => d.setMinutes(d.getMinutes() + n) },
];

/**
 * A date (and time) typed as ISO text, "YYYY-MM-DD HH:mm" in local time (mode 'date': "YYYY-MM-DD"), whatever
 * the browser's locale: the label, format hint and validation message follow the page language. ArrowUp /
 * ArrowDown step the part under the cursor (an empty field starts from now). `value` is the text; convert it
 * with dateTimeTextToIso / parseDateTimeText (format.ts). An invalid entry is reported when the field is left.
 */
export function DateTimeField({ id, label, value, onChange, mode = 'datetime', required = false }: {
  id?: string;
  label: string;
  value: string;
  onChange(text: string): void;
  mode?: Mode;
  required?: boolean;
}) {
  const { t } = useI18n();
  const auto = useId();
  const base = id ?? auto;
  const [touched, setTouched] = useState(false);
  const invalid = value.trim() !== '' && parseDateTimeText(value, mode) === null;
  const missing = required && value.trim() === '';
  const showError = touched && (invalid || missing);
  const format = mode === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM-DD HH:mm';

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    const input = e.currentTarget;
    const current = parseDateTimeText(value, mode) ?? parseDateTimeText(value, 'datetime');
    if (!current) {
      onChange(toDateTimeText(Date.now(), mode));
      return;
    }
    const caret = input.selectionStart ?? 0;
    const segments = mode === 'date' ? SEGMENTS.slice(0, 3) : SEGMENTS;
    const seg = segments.find((s) => caret >= s.from && caret <= s.to) ?? segments[segments.length - 1];
    seg.step(current, e.key === 'ArrowUp' ? 1 : -1);
    onChange(toDateTimeText(current.getTime(), mode));
    requestAnimationFrame(() => input.setSelectionRange(seg.from, seg.to));
  };

  return (
    <div className="field date-time-field">
      <label htmlFor={base}>{label}</label>
      <input id={base} type="text" inputMode="numeric" autoComplete="off" spellCheck={false} className="mono"
        value={value} placeholder={t(mode === 'date' ? 'dt.placeholderDate' : 'dt.placeholder')} maxLength={19}
        aria-invalid={showError || undefined} aria-describedby={base + '-hint'} required={required}
        data-format={format}
        onChange={(e) => onChange(e.target.value)} onBlur={() => setTouched(true)} onKeyDown={onKeyDown} />
      {showError ? (
        <span id={base + '-hint'} className="hint error-text" role="alert">
          {missing ? t('dt.required') : t(mode === 'date' ? 'dt.invalidDate' : 'dt.invalid', { format })}
        </span>
      ) : (
        <span id={base + '-hint'} className="visually-hidden">{t(mode === 'date' ? 'dt.hintDate' : 'dt.hint', { format })}</span>
      )}
    </div>
  );
}
