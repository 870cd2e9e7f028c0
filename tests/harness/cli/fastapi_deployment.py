#!/usr/bin/python3
"""An Agentwork deployment as a team would write it from the integration guide with FastAPI
(Debian's python3-fastapi 0.92, pydantic 1.10, uvicorn 0.17): typed request models, path ids
typed as UUIDs, the framework's own answers for bodies it cannot read, wrong methods and unknown
paths. What this file decides is the guide's (and CONTRACT.md's) business logic; how requests are
parsed, validated, coerced and refused is FastAPI's, Starlette's, pydantic's and uvicorn's - code
we did not write. The harness's negative and fuzz checks are run against it to see where a real
framework answers differently from the bundled mock.

The agent: a new task works for --step seconds, asks three clarifying questions (text,
single_select, multi_select), works again after the reply, proposes a solution; REJECTED makes it
revise and propose again; CONFIRMED completes it with one file.

Usage: fastapi_deployment.py --port-file FILE [--step SECONDS]
"""
import argparse
import asyncio
import datetime
import json
import re
import secrets
import threading
import time
import uuid
from typing import List, Literal, Optional, Union

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

STEP = 1.0
app = FastAPI()
lock = threading.Lock()
keys = {}      # api key -> organization id
emails = set()
tasks = {}     # task id -> dict


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RegisterRequest(BaseModel):
    email: str
    name: str
    organization_name: Optional[str] = None


class ApiKeyRequest(BaseModel):
    email: str
    password: str
    key_name: Optional[str] = None


class CreateTaskRequest(BaseModel):
    title: str
    description: str


class Answer(BaseModel):
    question_index: int
    selected: Union[List[str], str]


class MessageRequest(BaseModel):
    message: Optional[str] = None
    content: Optional[str] = None
    answers: Optional[List[Answer]] = None


class SolutionDecision(BaseModel):
    status: Literal["CONFIRMED", "REJECTED"]
    rejection_reason: Optional[str] = None


QUESTIONS = [
    {"type": "text", "question": "What is the page for?", "options": None},
    {"type": "single_select", "question": "Which theme?", "options": ["Light", "Dark"]},
    {"type": "multi_select", "question": "Which languages?", "options": ["en", "de", "fr"]},
]


def organization(authorization: Optional[str] = Header(None)):
    scheme, _, key = (authorization or "").partition(" ")
    with lock:
        org = keys.get(key) if scheme.lower() == "bearer" else None
    if org is None:
        raise HTTPException(401, "Invalid or missing API key",
                            headers={"WWW-Authenticate": "Bearer"})
    return org


def event(t, kind, content):
    t["events"].append({"timestamp": now(), "type": kind, "content": content})
    t["last_activity_at"] = now()


def advance(t):
    """The agent's lazy progress: what it has done by now."""
    while t["status"] == "processing" and time.monotonic() >= t["due"]:
        if not t["asked"]:
            t["asked"] = True
            t["status"] = "awaiting_reply"
            t["message_id"] = str(uuid.uuid4())
            event(t, "question", json.dumps({"type": "clarifying_questions",
                                             "questions": QUESTIONS}))
        else:
            t["status"] = "awaiting_solution_approval"
            t["message_id"] = str(uuid.uuid4())
            event(t, "solution_proposed", "A greeting page, revision %d." % t["revision"])
        event(t, "status", t["status"])


def task_of(task_id: uuid.UUID, org):
    t = tasks.get(str(task_id))
    if t is None or t["org"] != org:
        raise HTTPException(404, "Task not found")
    advance(t)
    return t


@app.post("/api/v1/auth/register", status_code=201)
def register(body: RegisterRequest):
    if not body.name.strip():
        raise HTTPException(422, "name: must not be empty")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", body.email):
        raise HTTPException(422, "email: not a valid email address")
    with lock:
        if body.email.lower() in emails:
            raise HTTPException(409, "A user with this email already exists")
        emails.add(body.email.lower())
        key = "aw_live_" + secrets.token_urlsafe(30)
        org = str(uuid.uuid4())
        keys[key] = org
    return {"api_key": key, "key_prefix": key[:16], "organization_id": org,
            "organization_short_id": secrets.token_hex(3)[:5].upper(),
            "user_id": str(uuid.uuid4())}


@app.post("/api/v1/auth/api-key", status_code=201)
def api_key(body: ApiKeyRequest):
    raise HTTPException(401, "Incorrect email or password")


@app.post("/api/v1/tasks/", status_code=201)
def create(body: CreateTaskRequest, org=Depends(organization)):
    if not body.title.strip() or not body.description.strip():
        raise HTTPException(422, "title and description must not be empty")
    t = {"id": str(uuid.uuid4()), "org": org, "title": body.title, "status": "processing",
         "created_at": now(), "last_activity_at": now(), "events": [], "asked": False,
         "revision": 1, "message_id": None, "due": time.monotonic() + STEP}
    event(t, "status", "processing")
    with lock:
        tasks[t["id"]] = t
    return {"task_id": t["id"], "status": "processing"}


@app.get("/api/v1/tasks/")
def list_tasks(org=Depends(organization)):
    with lock:
        mine = [t for t in tasks.values() if t["org"] == org]
        for t in mine:
            advance(t)
    mine.sort(key=lambda t: t["created_at"], reverse=True)
    return {"tasks": [{"task_id": t["id"], "title": t["title"], "status": t["status"],
                       "created_at": t["created_at"],
                       "last_activity_at": t["last_activity_at"]} for t in mine]}


@app.get("/api/v1/tasks/{task_id}")
def status(task_id: uuid.UUID, org=Depends(organization)):
    with lock:
        t = task_of(task_id, org)
        out = {"task_id": t["id"], "status": t["status"],
               "last_activity_at": t["last_activity_at"]}
        if t["status"] == "awaiting_reply":
            out["question"] = {"message_id": t["message_id"], "type": "CLARIFYING_QUESTIONS",
                               "content": json.dumps({"type": "clarifying_questions",
                                                      "questions": QUESTIONS})}
        if t["status"] == "awaiting_solution_approval":
            out["solution"] = {"message_id": t["message_id"],
                               "content": "A greeting page, revision %d." % t["revision"]}
    return out


@app.post("/api/v1/tasks/{task_id}/message")
def message(task_id: uuid.UUID, body: MessageRequest, org=Depends(organization)):
    if body.answers is None and body.message is None and body.content is None:
        raise HTTPException(422, "one of message, content or answers is required")
    if body.answers is not None:
        for a in body.answers:
            if not 0 <= a.question_index < len(QUESTIONS):
                raise HTTPException(422, "question_index out of range")
            multi = QUESTIONS[a.question_index]["type"] == "multi_select"
            if multi != isinstance(a.selected, list):
                raise HTTPException(422, "selected: wrong shape for the question's type")
    with lock:
        t = task_of(task_id, org)
        if t["status"] != "awaiting_reply":
            raise HTTPException(409, "Task is not awaiting a reply")
        shown = ([a.dict() for a in body.answers] if body.answers is not None
                 else body.message if body.message is not None else body.content)
        event(t, "reply", shown if isinstance(shown, str) else json.dumps(shown))
        t["status"] = "processing"
        t["due"] = time.monotonic() + STEP
        event(t, "status", "processing")
    return {"task_id": t["id"], "status": "processing"}


@app.post("/api/v1/tasks/{task_id}/solution-status")
def solution(task_id: uuid.UUID, body: SolutionDecision, org=Depends(organization)):
    with lock:
        t = task_of(task_id, org)
        if t["status"] != "awaiting_solution_approval":
            raise HTTPException(409, "Task is not awaiting solution approval")
        event(t, "solution_decision", body.status)
        if body.status == "CONFIRMED":
            t["status"] = "completed"
        else:
            t["status"] = "processing"
            t["revision"] += 1
            t["due"] = time.monotonic() + STEP
        event(t, "status", t["status"])
    return {"task_id": t["id"], "status": t["status"]}


@app.get("/api/v1/tasks/{task_id}/events")
def events(task_id: uuid.UUID, org=Depends(organization)):
    with lock:
        t = task_of(task_id, org)
        return {"task_id": t["id"], "events": list(t["events"])}


@app.post("/api/v1/tasks/{task_id}/cancel")
def cancel(task_id: uuid.UUID, org=Depends(organization)):
    with lock:
        t = task_of(task_id, org)
        if t["status"] in ("completed", "cancelled"):
            raise HTTPException(409, "Task is already finished")
        t["status"] = "cancelled"
        event(t, "status", "cancelled")
    return {"task_id": t["id"], "status": "cancelled"}


@app.get("/api/v1/tasks/{task_id}/result")
def result(task_id: uuid.UUID, request: Request, org=Depends(organization)):
    with lock:
        t = task_of(task_id, org)
        if t["status"] != "completed":
            raise HTTPException(409, "Task is not completed")
    base = str(request.base_url).rstrip("/")
    return {"task_id": t["id"], "status": "completed", "result_text": "Done.",
            "files": [{"name": "index.html",
                       "download_url": base + "/files/" + t["id"] + "/index.html"}]}


@app.get("/files/{task_id}/{name}", response_class=PlainTextResponse)
def download(task_id: str, name: str):
    if task_id not in tasks or name != "index.html":
        raise HTTPException(404, "Not found")
    return "<h1>Hello</h1>\n"


@app.get("/_stats")
def stats():
    """For the test that runs this file: tasks made, and how many are not finished."""
    with lock:
        return {"tasks": len(tasks),
                "open": sum(t["status"] not in ("completed", "cancelled") for t in tasks.values())}


def main():
    global STEP
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--step", type=float, default=1.0)
    args = parser.parse_args()
    STEP = args.step
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)

    async def serve():
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        with open(args.port_file, "w") as f:
            f.write(str(port))
        await task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
