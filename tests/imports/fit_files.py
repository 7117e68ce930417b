"""FIT files made by fit-tool, a library that writes FIT (the parser reads them with fitdecode).

Not hand-typed bytes: each file is what a FIT encoder produces, CRCs included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Event,
    EventType,
    FileType,
    Manufacturer,
    Sport,
    SubSport,
)

SERIAL = 3_456_789_012
CREATED = dt.datetime(2024, 3, 5, 7, 31, tzinfo=dt.UTC)


@dataclass
class Session:
    sport: Sport
    start: dt.datetime
    seconds: float
    distance_m: float | None = None
    strides: int | None = None
    sub_sport: SubSport = SubSport.GENERIC


def _ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def activity_file(
    *sessions: Session,
    records_per_session: int = 10,
    serial: int = SERIAL,
    created: dt.datetime = CREATED,
    file_type: FileType = FileType.ACTIVITY,
) -> bytes:
    """An activity file as a watch writes it: file_id, timer events, records, sessions."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = file_type
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.product = 1
    if serial:
        file_id.serial_number = serial
    file_id.time_created = _ms(created)
    builder.add(file_id)
    for session in sessions:
        start_event = EventMessage()
        start_event.event = Event.TIMER
        start_event.event_type = EventType.START
        start_event.timestamp = _ms(session.start)
        builder.add(start_event)
        step = session.seconds / max(records_per_session, 1)
        for i in range(records_per_session):
            record = RecordMessage()
            record.timestamp = _ms(session.start + dt.timedelta(seconds=i * step))
            record.distance = (session.distance_m or 0) * i / max(records_per_session, 1)
            record.heart_rate = 90 + i % 20
            builder.add(record)
        end = session.start + dt.timedelta(seconds=session.seconds)
        message = SessionMessage()
        message.timestamp = _ms(end)
        message.start_time = _ms(session.start)
        message.sport = session.sport
        message.sub_sport = session.sub_sport
        message.total_elapsed_time = session.seconds
        message.total_timer_time = session.seconds
        if session.distance_m is not None:
            message.total_distance = session.distance_m
        if session.strides is not None:
            message.total_cycles = session.strides
        builder.add(message)
    if sessions:
        activity = ActivityMessage()
        activity.timestamp = _ms(sessions[-1].start + dt.timedelta(seconds=sessions[-1].seconds))
        activity.num_sessions = len(sessions)
        builder.add(activity)
    return builder.build().to_bytes()


MORNING = dt.datetime(2024, 3, 5, 7, 31, tzinfo=dt.UTC)


def walking() -> bytes:
    return activity_file(
        Session(
            Sport.WALKING,
            MORNING,
            1800,
            distance_m=2100.5,
            strides=1500,
            sub_sport=SubSport.CASUAL_WALKING,
        )
    )


def hiking() -> bytes:
    return activity_file(Session(Sport.HIKING, MORNING, 2 * 3600, distance_m=6400, strides=4200))


def running() -> bytes:
    return activity_file(Session(Sport.RUNNING, MORNING, 1500, distance_m=4000, strides=2300))
