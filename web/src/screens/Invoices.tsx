import { PageTitle } from '../components/ui.tsx';

export default function Invoices(_props: Record<string, string>) {
  return <PageTitle>Invoices</PageTitle>;
}
