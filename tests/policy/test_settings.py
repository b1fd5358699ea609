"""policy.toml: where it is found, what it may say, and how a file that cannot be used is refused
(naming the file and the key) instead of silently enforcing nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from underpaint.policy import PolicyFileError, find_policy_file, load_policy


def _write(tmp_path, text, name="policy.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_is_the_documented_default_that_enforces_nothing(tmp_path):
    assert find_policy_file(tmp_path) is None
    policy = load_policy(None)
    assert (policy.image_check, policy.locked, len(policy.blocklist), policy.source) == ("off", False, 0, "")
    assert policy.enforces_nothing
    assert policy.blocklist.find("taylor swift") is None


def test_the_config_folder_file_is_found_and_an_explicit_one_wins(tmp_path):
    in_config = _write(tmp_path, 'image_check = "blur"')
    explicit = _write(tmp_path, 'image_check = "block"', "other.toml")
    assert find_policy_file(tmp_path) == in_config
    assert find_policy_file(tmp_path, explicit) == explicit
    assert load_policy(find_policy_file(tmp_path, explicit)).image_check == "block"


def test_blocklists_are_read_relative_to_the_policy_file(tmp_path):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "names.txt").write_text("# staff\nJane Doe | Джейн Доу\n\nMax Mustermann\n", encoding="utf-8")
    policy = load_policy(_write(tmp_path, 'blocklists = ["lists/names.txt", "builtin:celebrities"]\n'
                                          'blocked_terms = ["Sample Person"]\nlocked = true'))
    assert len(policy.blocklist) == 1 + 2 + 24
    hit = policy.blocklist.find("джейн доу")
    assert hit.rule.source == f"blocklist {tmp_path / 'lists' / 'names.txt'}, line 2"
    assert "2 from " + str(tmp_path / "lists" / "names.txt") in policy.describe()
    assert "24 from built-in celebrities" in policy.describe()


@pytest.mark.parametrize("text, says", [
    ('image_check = "sometimes"', "image_check = 'sometimes'; use one of 'off', 'blur', 'block'"),
    ('image_chek = "blur"', "unknown key 'image_chek'"),
    ('locked = "yes"', "locked must be true or false"),
    ('blocked_terms = "Jane Doe"', "blocked_terms must be a list of strings"),
    ('blocked_terms = ["  |  "]', "blocked_terms[0] in"),
    ('blocklists = ["missing.txt"]', "missing.txt does not exist"),
    ('blocklists = ["builtin:nobody"]', "no built-in list 'nobody'; there are celebrities"),
    ('image_check = blur', "not valid TOML"),
])
def test_a_file_that_cannot_be_used_says_where_and_why(tmp_path, text, says):
    path = _write(tmp_path, text)
    with pytest.raises(PolicyFileError) as err:
        load_policy(path)
    assert str(path) in str(err.value) and says in str(err.value)


def test_the_daemon_does_not_start_on_a_broken_policy(tmp_path):
    from underpaint.testing import DaemonProcess

    bad = _write(tmp_path, 'image_check = "sometimes"')
    process = DaemonProcess(None, tmp_path / "home", ["--policy", str(bad)])
    with pytest.raises(RuntimeError) as err:
        process.start(timeout=120)
    assert "daemon exited with 1" in str(err.value) and f"policy file {bad}: image_check" in str(err.value)


def test_policy_show_and_check_from_the_command_line(locked_daemon):
    env = locked_daemon.env
    run = lambda *args: subprocess.run([sys.executable, "-m", "underpaint.cli.main", "policy", *args],
                                       env=env, capture_output=True, text=True, timeout=120)
    shown = run("show", "--models", str(locked_daemon.models_dir))
    assert shown.returncode == 0, shown.stderr
    assert f"policy: {locked_daemon.config_dir / 'policy.toml'}" in shown.stdout
    assert "image_check: blur (locked: requests cannot loosen it)" in shown.stdout
    assert f"image checker: installed in {locked_daemon.models_dir / 'safety'}" in shown.stdout
    assert "running daemon: image_check blur, locked, 27 blocked names and terms" in shown.stdout
    refused = run("check", "Макс Мустерман на велосипеде")
    assert refused.returncode == 2 and "'Макс Мустерман' (an alias of 'Max Mustermann')" in refused.stdout
    allowed = run("check", "a bicycle in the park")
    assert allowed.returncode == 0 and allowed.stdout.startswith("allowed (27 blocked names")


def test_the_cli_writes_blurred_images_and_says_which_were_withheld(locked_daemon, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "underpaint.cli.main", *args], env=locked_daemon.env,
                               capture_output=True, text=True, timeout=300)

    info = run("info")
    assert "policy    image check blur (locked), 27 blocked names and terms, from " in info.stdout
    out = tmp_path / "fox.png"
    made = run("generate", "--prompt", "a fox", "--steps", "1", "--width", "64", "--height", "64", "--out", str(out))
    assert made.returncode == 0 and out.is_file(), made.stderr
    assert "(image 1 was blurred: the content policy's image check flagged it)" in made.stdout
    held = tmp_path / "held.png"
    refused = run("generate", "--prompt", "a fox", "--steps", "1", "--width", "64", "--height", "64",
                  "--image-check", "block", "--out", str(held))
    assert refused.returncode == 1 and not held.exists()
    assert f"{held}  not written: image 1 was withheld" in refused.stdout
    assert "underpaint: 1 image(s) withheld by the daemon's content policy" in refused.stderr
    loosen = run("generate", "--prompt", "a fox", "--image-check", "off", "--out", str(held))
    assert loosen.returncode == 1 and "image_check: 'off' would loosen the content policy" in loosen.stderr


def test_a_worker_without_a_checker_fails_the_job_instead_of_sending_the_image(monkeypatch):
    """A process the daemon did not configure (e.g. a scale-out replica) must not pass images unchecked."""
    import numpy as np

    from underpaint import images
    from underpaint.errors import FailedPrecondition
    from underpaint.policy import image_check, results
    from underpaint.v1 import underpaint_pb2 as pb

    monkeypatch.setattr(image_check, "_checker", None)
    monkeypatch.setattr(results, "image_checker", image_check.image_checker)

    class Ctx:
        activities = []

        def activity(self, *args, **kwargs):
            self.activities.append(args)

    result = pb.Result(index=0, image=images.encode(np.zeros((8, 8, 3), np.uint8), pb.PIXEL_FORMAT_RGBA8))
    with pytest.raises(FailedPrecondition, match="image_check: this worker has no image checker"):
        results.check_result(Ctx(), result, "blur")
    results.check_result(Ctx(), result, "off")  # nothing asked: nothing to check
