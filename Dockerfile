# The app's image: Python, the package, nothing else. WeasyPrint's wheels need no system library.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/demineurs
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY templates templates
COPY migrations migrations
RUN pip install --no-cache-dir . && useradd --system --home /srv/demineurs demineurs
USER demineurs
EXPOSE 8000
CMD ["demineurs", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
