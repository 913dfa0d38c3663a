import { useState } from 'react';
import { LIST_MODES, ops, PURPOSES, REVOCATION_MODES, type PkiCertificate, type PkiProject } from '../api/operations';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { commonName } from './TrustAnchorsPanel';

/** Project and policy names as the server accepts them (services/pki_policy.cpp check_name). */
export const TRUST_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A field's problem, shown under it once the field was changed or a save was tried. */
export function FieldProblem({ id, problem, show }: { id: string; problem?: MessageKey; show: boolean }) {
  const { t } = useI18n();
  if (!problem || !show) return null;
  return <span id={id} className="hint error-text" data-testid="field-problem">{t(problem)}</span>;
}

/** Props of an input whose value has a problem the user can see. */
export function invalidProps(describedBy: string, invalid: boolean) {
  return invalid ? { 'aria-invalid': true, 'aria-describedby': describedBy, style: { borderColor: 'var(--red-600)' } } : {};
}

type Field = 'name' | 'anchors' | 'maxPath' | 'grace';

/**
 * Creates a project, or edits one (everything the PUT takes: description, anchors, purpose, revocation mode,
 * list mode, CRL grace, path length). The list entries are not part of the form and stay as they are.
 */
export function TrustProjectDialog({ project, anchors, onClose, onSaved }: {
  project: PkiProject | null;
  anchors: PkiCertificate[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const [p, setP] = useState<PkiProject>(project ?? {
    name: '', description: '', anchors: [], purpose: 'document_signing', revocation: 'crl_best_effort',
    crl_grace_ms: 0, list_mode: 'none', list: [], max_path_length: 8,
  });
  const [grace, setGrace] = useState(String(Math.round(p.crl_grace_ms / 60000)));
  const [maxPath, setMaxPath] = useState(String(p.max_path_length));
  const [touched, setTouched] = useState<Set<Field>>(new Set());
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<PkiProject>) => setP({ ...p, ...patch });
  const touch = (f: Field) => setTouched((s) => new Set(s).add(f));
  const show = (f: Field) => tried || touched.has(f);

  const problems: Partial<Record<Field, MessageKey>> = {};
  if (!TRUST_NAME.test(p.name)) problems.name = 'trust.invalid.name';
  if (p.anchors.length === 0) problems.anchors = 'trust.invalid.anchors';
  if (!/^\d+$/.test(maxPath.trim()) || Number(maxPath) < 2 || Number(maxPath) > 16) problems.maxPath = 'trust.invalid.maxPath';
  if (!/^\d+$/.test(grace.trim())) problems.grace = 'trust.invalid.grace';

  const save = async () => {
    setTried(true);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const { list: _list, ...rest } = p;
      void _list;
      const body = { ...rest, crl_grace_ms: Number(grace) * 60000, max_path_length: Number(maxPath) };
      await (project ? ops.updateProject(body) : ops.createProject(body));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const invalid = (f: Field) => invalidProps(`proj-${f}-problem`, show(f) && !!problems[f]);
  return (
    <Dialog title={project ? t('trust.editProject', { name: project.name }) : t('trust.newProject')} wide onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy} onClick={() => void save()}>{t('common.save')}</button>
      </>}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="proj-name">{t('trust.name')}</label>
          <input id="proj-name" value={p.name} disabled={!!project} maxLength={64} {...invalid('name')}
            onChange={(e) => { set({ name: e.target.value }); touch('name'); }} />
          <FieldProblem id="proj-name-problem" problem={problems.name} show={show('name')} />
        </div>
        <div className="field">
          <label htmlFor="proj-desc">{t('trust.description')}</label>
          <input id="proj-desc" value={p.description} maxLength={500} onChange={(e) => set({ description: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="proj-purpose">{t('trust.purpose')}</label>
          <select id="proj-purpose" value={p.purpose} onChange={(e) => set({ purpose: e.target.value as PkiProject['purpose'] })}>
            {PURPOSES.map((x) => <option key={x} value={x}>{t(`trust.purpose.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-rev">{t('trust.revocation')}</label>
          <select id="proj-rev" value={p.revocation} onChange={(e) => set({ revocation: e.target.value as PkiProject['revocation'] })}>
            {REVOCATION_MODES.map((x) => <option key={x} value={x}>{t(`trust.revocation.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-list">{t('trust.listMode')}</label>
          <select id="proj-list" value={p.list_mode} onChange={(e) => set({ list_mode: e.target.value as PkiProject['list_mode'] })}>
            {LIST_MODES.map((x) => <option key={x} value={x}>{t(`trust.list.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-grace">{t('trust.grace')}</label>
          <input id="proj-grace" type="number" min={0} step={1} value={grace} {...invalid('grace')}
            onChange={(e) => { setGrace(e.target.value); touch('grace'); }} />
          <FieldProblem id="proj-grace-problem" problem={problems.grace} show={show('grace')} />
        </div>
        <div className="field">
          <label htmlFor="proj-path">{t('trust.maxPath')}</label>
          <input id="proj-path" type="number" min={2} max={16} step={1} value={maxPath} {...invalid('maxPath')}
            onChange={(e) => { setMaxPath(e.target.value); touch('maxPath'); }} />
          <FieldProblem id="proj-maxPath-problem" problem={problems.maxPath} show={show('maxPath')} />
        </div>
      </div>
      {project && <p className="muted small" data-testid="list-kept">{t('trust.listKept', { n: project.list.length, button: t('trust.manageList') })}</p>}
      <fieldset className="key-fieldset">
        <legend>{t('trust.anchors')}</legend>
        {anchors.length === 0 && <p className="muted small">{t('trust.noAnchors')}</p>}
        {anchors.map((a) => (
          <label key={a.fingerprint} className="check-row">
            <input type="checkbox" checked={p.anchors.includes(a.fingerprint)}
              onChange={(e) => {
                set({ anchors: e.target.checked ? [...p.anchors, a.fingerprint] : p.anchors.filter((f) => f !== a.fingerprint) });
                touch('anchors');
              }} />
            {' '}{commonName(a.subject)} <span className="muted small mono">{a.fingerprint.slice(0, 12)}…</span>
          </label>
        ))}
        <FieldProblem id="proj-anchors-problem" problem={problems.anchors} show={show('anchors')} />
      </fieldset>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
