// A page's use of @anonscore/collector, type-checked by test/types.test.mjs
// (`tsc --noEmit -p examples`) against the .d.ts files the build ships.
import { type CollectAnswer, type Collector, type OptOutResult, start } from '@anonscore/collector';

export async function onApplicationPage(form: HTMLFormElement): Promise<string | null> {
  const anonscore: Collector = start({ siteKey: 'your_site_key', endpoint: '/a7' });
  anonscore.attach(form).reset(); // attach answers the form itself
  const answer: CollectAnswer | null = await anonscore.flush();
  if (answer) console.log(answer.accepted, answer.dropped.join(','));
  const id: string | null = window.anonscore ? window.anonscore.sessionId() : null;
  console.log(id);

  // @ts-expect-error: the site key is required
  start({ endpoint: 'https://risk.example' });
  // @ts-expect-error: flush answers a promise, not the answer itself
  const accepted: number = anonscore.flush().accepted;
  console.log(accepted);
  // @ts-expect-error: workerUrl is a URL or null, not a flag
  start({ siteKey: 'k', workerUrl: false });
  return anonscore.ready;
}

export async function onOptOutLink(anonscore: Collector): Promise<number> {
  const result: OptOutResult = await anonscore.optOut();
  return result.erased;
}
