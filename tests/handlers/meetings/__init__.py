"""Meetings on a real Application, by what a user notices: cards drawn as the meeting is now, end
times, series as a whole, deputies (issue 17); the first wave's tests are tests/handlers/test_meetings.py."""
