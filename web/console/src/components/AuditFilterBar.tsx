import { useState, type FormEvent } from 'react';
import type { AuditFilter } from '../api/types';
import { dateTimeTextToIso as toIso, parseDateTimeText } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { DateTimeField } from './DateTimeField';

interface Props {
  onSearch(f: AuditFilter): void;
}

export function AuditFilterBar({ onSearch }: Props) {
  const { t } = useI18n();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [result, setResult] = useState('');
  const [reviewed, setReviewed] = useState<'' | 'true' | 'false'>('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if ((from && !parseDateTimeText(from)) || (to && !parseDateTimeText(to))) return;  // the field says what is wrong
    onSearch({ from: toIso(from), to: toIso(to), actor: actor.trim(), action: action.trim(), result, reviewed });
  };
  const reset = () => {
    setFrom('');
    setTo('');
    setActor('');
    setAction('');
    setResult('');
    setReviewed('');
    onSearch({});
  };
  return (
    <form className="card filter-bar" onSubmit={submit} aria-label={t('audit.filters')}>
      <DateTimeField id="f-from" label={t('audit.from')} value={from} onChange={setFrom} />
      <DateTimeField id="f-to" label={t('audit.to')} value={to} onChange={setTo} />
      <div className="field">
        <label htmlFor="f-actor">{t('audit.actor')}</label>
        <input id="f-actor" value={actor} onChange={(e) => setActor(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="f-action">{t('audit.action')}</label>
        <input id="f-action" placeholder="auth.login" value={action} onChange={(e) => setAction(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="f-result">{t('audit.result')}</label>
        <select id="f-result" value={result} onChange={(e) => setResult(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          <option value="success">{t('audit.success')}</option>
          <option value="failure">{t('audit.failure')}</option>
          <option value="denied">{t('audit.denied')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-reviewed">{t('audit.reviewed')}</label>
        <select id="f-reviewed" value={reviewed} onChange={(e) => setReviewed(e.target.value as '' | 'true' | 'false')}>
          <option value="">{t('audit.any')}</option>
          <option value="false">{t('audit.notReviewed')}</option>
          <option value="true">{t('audit.reviewedBy')}</option>
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">{t('audit.search')}</button>
        <button type="button" onClick={reset}>{t('audit.reset')}</button>
      </div>
    </form>
  );
}
