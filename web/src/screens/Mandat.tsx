import { PageTitle } from '../components/ui.tsx';

export default function Mandat(_props: Record<string, string>) {
  return <PageTitle>Mandat</PageTitle>;
}
