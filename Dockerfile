# The app's image: Python, the package at the versions CI ran (constraints.txt), nothing else.
# WeasyPrint's wheels need no system library. It runs as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/demineurs
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app app
COPY templates templates
COPY migrations migrations
# Editable: the app finds templates/, migrations/ and alembic.ini beside its package.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && mkdir data && useradd --system --no-create-home --home-dir /srv/demineurs --shell /usr/sbin/nologin demineurs \
    && chown demineurs data
USER demineurs
EXPOSE 8000
CMD ["demineurs", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
