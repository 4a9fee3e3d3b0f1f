"""OpenAPI links: what an answer's ids lead to (create an idea → read, edit, publish it; lay a
mine → answer it…). Clients and Schemathesis' stateful tests follow them."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# (method, path of the answer) → {link name: (method, path of the target, {parameter: expression})}
LINKS = {
    ("post", "/api/v1/ideas"): {
        "ReadIdea": ("get", "/api/v1/ideas/{idea_id}", {"idea_id": "$response.body#/id"}),
        "EditIdea": ("patch", "/api/v1/ideas/{idea_id}", {"idea_id": "$response.body#/id"}),
        "PublishIdea": (
            "post",
            "/api/v1/ideas/{idea_id}/publish",
            {"idea_id": "$response.body#/id"},
        ),
        "AbandonIdea": (
            "post",
            "/api/v1/ideas/{idea_id}/abandon",
            {"idea_id": "$response.body#/id"},
        ),
    },
    ("post", "/api/v1/ideas/{idea_id}/publish"): {
        "ReadPublished": ("get", "/api/v1/ideas/{idea_id}", {"idea_id": "$response.body#/id"}),
        "LayMine": ("post", "/api/v1/ideas/{idea_id}/mines", {"idea_id": "$response.body#/id"}),
        "FollowIdea": ("post", "/api/v1/ideas/{idea_id}/follow", {"idea_id": "$response.body#/id"}),
    },
    ("get", "/api/v1/ideas"): {
        "ReadFirst": ("get", "/api/v1/ideas/{idea_id}", {"idea_id": "$response.body#/items/0/id"}),
        "LayMineOnFirst": (
            "post",
            "/api/v1/ideas/{idea_id}/mines",
            {"idea_id": "$response.body#/items/0/id"},
        ),
    },
    ("post", "/api/v1/ideas/{idea_id}/mines"): {
        "BringDeminage": (
            "post",
            "/api/v1/mines/{mine_id}/deminages",
            {"mine_id": "$response.body#/id"},
        ),
        "WithdrawMine": (
            "post",
            "/api/v1/mines/{mine_id}/withdraw",
            {"mine_id": "$response.body#/id"},
        ),
        "Experts": ("get", "/api/v1/mines/{mine_id}/experts", {"mine_id": "$response.body#/id"}),
    },
    ("post", "/api/v1/mines/{mine_id}/deminages"): {
        "AcceptDeminage": (
            "post",
            "/api/v1/deminages/{deminage_id}/accept",
            {"deminage_id": "$response.body#/id"},
        ),
        "MarkHelpful": (
            "post",
            "/api/v1/deminages/{deminage_id}/helpful",
            {"deminage_id": "$response.body#/id"},
        ),
    },
}


def install(app: FastAPI) -> None:
    """Generate the document once, with the links added to the success answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            paths = document["paths"]
            for (method, path), links in LINKS.items():
                answers = paths[path][method]["responses"]
                success = next(code for code in answers if code.startswith("2"))
                answers[success]["links"] = {
                    name: {
                        "operationId": paths[target][target_method]["operationId"],
                        "parameters": parameters,
                    }
                    for name, (target_method, target, parameters) in links.items()
                }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it
