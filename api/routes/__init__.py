"""The HTTP API's routes, one ``APIRouter`` per capability (as FastAPI's full-stack template lays them out).

Every module exposes ``router``; :func:`api.http.create_app` includes them. Endpoints are plain ``def``
(not ``async``): the eventsourcing library is synchronous, so FastAPI runs them in its thread pool
(https://fastapi.tiangolo.com/async/#path-operation-functions).
"""
