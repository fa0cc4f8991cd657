"""The deploy files are complete and consistent (no Docker engine runs here, so they are read,
not started): hadolint passes on the Dockerfile; the image has what letters and the UI need;
compose migrates before anything serves, runs exactly one beat, puts nginx with TLS in front and
mounts only files that exist."""
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HADOLINT = Path(sys.executable).parent / "hadolint"


def test_hadolint_passes():
    result = subprocess.run([str(HADOLINT), "--config", str(DEPLOY / ".hadolint.yaml"), str(DEPLOY / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_can_typeset_letters_and_serve_styled_pages():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-cjk"):
        assert package in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_migrates_first_and_runs_one_beat():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]
    assert sum("beat" in " ".join(s.get("command", [])) for s in services.values()) == 1
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)


def test_compose_puts_nginx_with_tls_in_front_of_strict_production_settings():
    services = compose()["services"]
    nginx = services["nginx"]
    assert any(port.endswith(":443") for port in nginx["ports"])
    assert "ports" not in services["web"]  # reached only through nginx
    for volume in nginx["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists() or source == "./certs", source
    conf = (DEPLOY / "nginx" / "qingqian-compose.conf").read_text()
    assert "server web:8000;" in conf and "internal;" in conf and "location /static/" in conf
    env = (DEPLOY / "env.example").read_text()
    assert "DJANGO_SETTINGS_MODULE=config.settings_production" in env
    # The cookies stay secure: TLS at nginx, not HTTPS-only settings switched off.
    assert "SESSION_COOKIE_SECURE" not in env and "QQ_SSL_REDIRECT=0" not in env


def test_scale_out_claims_only_what_the_code_does():
    text = (DEPLOY / "SCALE_OUT.md").read_text()
    assert "Sentinel" not in text or "not supported" in text
    assert "replicas for reports" not in text
