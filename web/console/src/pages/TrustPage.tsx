import { useState } from 'react';
import { PageHeader } from '../components/PageHeader';
import { Tabs } from '../components/Tabs';
import { useI18n } from '../i18n/I18nContext';
import { TrustAnchorsPanel } from './TrustAnchorsPanel';
import { TrustCrlPanel } from './TrustCrlPanel';
import { TrustProjectsPanel } from './TrustProjectsPanel';
import { TrustVerifyPanel } from './TrustVerifyPanel';

type Tab = 'anchors' | 'projects' | 'crls' | 'verify';

/** Certificates and trust (operators): anchors, projects and policies, CRLs, and a verification tool. */
export function TrustPage() {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>('anchors');
  return (
    <section>
      <PageHeader title={t('trust.heading')} intro={t('trust.intro')} />
      <Tabs<Tab> label={t('trust.heading')} current={tab} onChange={setTab} tabs={[
        { id: 'anchors', label: t('trust.tab.anchors') },
        { id: 'projects', label: t('trust.tab.projects') },
        { id: 'crls', label: t('trust.tab.crls') },
        { id: 'verify', label: t('trust.tab.verify') },
      ]} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'anchors' && <><TrustAnchorsPanel kind="anchor" /><TrustAnchorsPanel kind="intermediate" /></>}
        {tab === 'projects' && <TrustProjectsPanel />}
        {tab === 'crls' && <TrustCrlPanel />}
        {tab === 'verify' && <TrustVerifyPanel />}
      </div>
    </section>
  );
}
