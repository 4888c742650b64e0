# SPDX-License-Identifier: Apache-2.0
"""The client against a real coordinator (and agent): run by hearth-client's PythonClientTest and ClientE2eTest,
which start them and set HEARTH_URL and HEARTH_TOKEN (an admin key), HEARTH_FLAKY_URL (a proxy that loses the
answer to its first job submit), HEARTH_AGENT=1 when an agent runs jobs, and HEARTH_MUST_SHOW=1 when the
coordinator has blobs, outputs and streamed logs."""
import hashlib
import os
import tempfile
import unittest
import uuid

import hearth

URL = os.environ.get("HEARTH_URL")
TOKEN = os.environ.get("HEARTH_TOKEN")
FLAKY = os.environ.get("HEARTH_FLAKY_URL")
AGENT = os.environ.get("HEARTH_AGENT") == "1"
MUST_SHOW = os.environ.get("HEARTH_MUST_SHOW") == "1"


def count_jobs(client):
    return sum(1 for _ in client.jobs(page_size=500))


@unittest.skipUnless(URL and TOKEN, "needs HEARTH_URL and HEARTH_TOKEN of a running coordinator")
class CoordinatorTest(unittest.TestCase):

    def setUp(self):
        self.client = hearth.Client(URL, TOKEN)

    def test_a_refused_document_is_an_api_error_with_code_field_and_status(self):
        with self.assertRaises(hearth.ApiError) as caught:
            hearth.Job.submit(self.client, command=["true"], memory="lots")
        e = caught.exception
        self.assertEqual((e.status, e.code, e.field), (400, "invalid_input", "memory"))
        self.assertIn("lots", e.detail)
        with self.assertRaises(hearth.ApiError) as unknown:
            self.client.job("no-such-job").status()
        self.assertEqual((unknown.exception.status, unknown.exception.code), (404, "unknown_job"))

    def test_a_batch_is_taken_whole_or_refused_whole(self):
        before = count_jobs(self.client)
        jobs = hearth.Job.submit_all(self.client, [{"command": ["sleep", "60"]}, {"command": ["sleep", "61"]}])
        # both taken, in their order (ids distinct); with an agent online one may already be leased or running
        self.assertEqual(len({j.id for j in jobs}), 2)
        for j in jobs:
            self.assertIn(j.status()["state"], ("queued", "leased", "running"))
        with self.assertRaises(hearth.ApiError) as refused:
            hearth.Job.submit_all(self.client, [{"command": ["true"]}, {"command": ["true"], "memory": "lots"}])
        self.assertEqual((refused.exception.status, refused.exception.field), (400, "jobs[1].memory"))
        self.assertEqual(count_jobs(self.client), before + 2)
        for j in jobs:
            j.cancel()

    @unittest.skipUnless(FLAKY, "needs HEARTH_FLAKY_URL")
    def test_a_retried_submit_makes_one_job(self):
        before = count_jobs(self.client)
        flaky = hearth.Client(FLAKY, TOKEN)
        job = hearth.Job.submit(flaky, command=["echo", "once"], memory="64m", cpus="0.25")
        self.assertTrue(job.replayed, "the first answer was lost, so the job came from the retry's replay")
        self.assertEqual(count_jobs(self.client), before + 1)
        self.assertEqual(self.client.job(job.id).status()["id"], job.id)

    def test_the_same_key_answers_the_first_job_and_another_document_is_refused(self):
        key = "py-" + uuid.uuid4().hex
        first = hearth.Job.submit(self.client, command=["sleep", "60"], idempotency_key=key)
        again = hearth.Job.submit(self.client, command=["sleep", "60"], idempotency_key=key)
        self.assertEqual(again.id, first.id)
        self.assertTrue(again.replayed)
        with self.assertRaises(hearth.ApiError) as other:
            hearth.Job.submit(self.client, command=["sleep", "61"], idempotency_key=key)
        self.assertEqual(other.exception.status, 422)
        self.assertEqual(first.cancel()["state"], "cancelled")
        with self.assertRaises(hearth.ApiError) as twice:
            first.cancel()
        self.assertEqual(twice.exception.code, "already_final")
        self.assertEqual(first.wait(timeout=10)["state"], "cancelled")

    def test_lists_follow_the_next_cursor(self):
        made = [hearth.Job.submit(self.client, command=["sleep", "60"]) for _ in range(3)]
        try:
            ids = [j["id"] for j in self.client.jobs(page_size=1, limit=3)]
            self.assertEqual(len(set(ids)), 3)
            self.assertEqual(count_jobs(self.client), sum(1 for _ in self.client.jobs(page_size=2)))
        finally:
            for j in made:
                try:
                    j.cancel()
                except hearth.ApiError:
                    pass  # it may have ended already

    def test_a_plain_http_key_to_another_host_is_refused(self):
        with self.assertRaisesRegex(ValueError, "plain HTTP"):
            hearth.Client("http://10.0.0.1:7070", TOKEN)

    @unittest.skipUnless(AGENT, "needs an agent (HEARTH_AGENT=1)")
    def test_a_job_runs_with_its_logs_and_a_verified_receipt(self):
        job = hearth.Job.submit(self.client, command=["sh", "-c", "echo hello; sleep 1; echo world"],
                                memory="64m", cpus="0.25")
        final = job.wait(timeout=120)
        self.assertEqual(final["state"], "completed", final)
        self.assertEqual("".join(job.logs()), "hello\nworld\n")
        r = job.receipt()
        self.assertEqual((r["jobId"], r["exitCode"]), (job.id, 0))
        self.assertEqual(r["logsHash"], hashlib.sha256(b"hello\nworld\n").hexdigest())

    @unittest.skipUnless(AGENT and MUST_SHOW, "needs an agent and blobs, outputs and streamed logs (HEARTH_MUST_SHOW=1)")
    def test_must_show_a_50_mib_input_streamed_logs_outputs_and_receipt_with_a_retried_submit(self):
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "big.bin")
            with open(big, "wb") as f:
                f.write(os.urandom(50 * 1024 * 1024))
            with open(big, "rb") as f:
                want = hashlib.sha256(f.read()).hexdigest()
            before = count_jobs(self.client)
            client = hearth.Client(FLAKY or URL, TOKEN)
            job = hearth.Job.submit(client, command=["sh", "-c",
                                                     "echo start; sha256sum /job/data/big.bin | cut -d' ' -f1 "
                                                     "> /job/out/sum.txt; sleep 1; cat /job/out/sum.txt; echo done"],
                                    inputs={"data/big.bin": big}, memory="128m", cpus="0.5", timeout="120s")
            self.assertEqual(count_jobs(self.client), before + 1, "a retried submit made one job")
            streamed = "".join(job.logs(follow=True))
            self.assertEqual(streamed, f"start\n{want}\ndone\n")
            self.assertEqual(job.wait(timeout=60)["state"], "completed")
            receipt = job.receipt()
            self.assertEqual(receipt["exitCode"], 0)
            outputs = job.outputs()
            self.assertEqual([o["path"].rsplit("/", 1)[-1] for o in outputs], ["sum.txt"])
            written = job.download_outputs(os.path.join(tmp, "out"), receipt)
            with open(written[0], encoding="utf-8") as f:
                self.assertEqual(f.read(), want + "\n")


if __name__ == "__main__":
    unittest.main()
