import { useState, type FormEvent } from 'react';
import type { AuditEntry } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';

export function ReviewDialog({ entry, onReview, onClose }: { entry: AuditEntry; onReview(note: string): void; onClose(): void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onReview(note.trim());
  };
  return (
    <Dialog title={`${t('audit.reviewTitle')} #${entry.seq}`} onClose={onClose}>
      <dl className="kv">
        <dt>{t('audit.actor')}</dt><dd>{entry.actor}</dd>
        <dt>{t('audit.action')}</dt><dd className="mono">{entry.action}</dd>
        <dt>{t('audit.target')}</dt><dd>{entry.target}</dd>
        <dt>{t('audit.detail')}</dt><dd>{entry.detail || '—'}</dd>
      </dl>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="review-note">{t('audit.reviewNote')}</label>
          <textarea id="review-note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary">{t('audit.markReviewed')}</button>
        </div>
      </form>
    </Dialog>
  );
}
