"""GuardDuty's finding updates: ArchiveFindings, UnarchiveFindings and UpdateFindingsFeedback (a mixin of State).

What each changes is what GetFindings then shows: ``Service.Archived`` and ``Service.UserFeedback`` (the Feedback
value as sent, USEFUL or NOT_USEFUL). The feedback's Comments are not part of a Finding; the emulator keeps them for
the tests (``State.feedback``). Neither update moves ``UpdatedAt``: they are the user's, not new activity.

Where the API reference is silent the emulator is strict, so that a client relying on leniency is caught:
- an id the detector does not hold fails the whole request (400 BadRequestException naming the ids), nothing changed;
- an empty ``FindingIds`` is refused;
- a member account cannot archive or unarchive (the model's documentation: "Only the administrator account can
  archive findings. Member accounts don't have permission to archive findings from their accounts.").
"""
from __future__ import annotations

from .errors import bad_request

MEMBER_CANNOT_ARCHIVE = ('The request is rejected because the current account is a member account: only the administrator '
                         'account can archive or unarchive findings.')


class FindingUpdates:
    """ArchiveFindings, UnarchiveFindings, UpdateFindingsFeedback on State's findings (State holds the lock)."""

    def _held_findings(self, params):
        """The stored findings the request names, in its order; 400 when one is not the detector's."""
        det = self._detector(params)
        ids = list(dict.fromkeys(params['FindingIds']))
        if not ids:
            raise bad_request('The request is rejected because the parameter findingIds has an invalid value: give at least one finding id.')
        unknown = [finding_id for finding_id in ids
                   if finding_id not in self._findings or self._findings[finding_id]['detector_id'] != params['DetectorId']]
        if unknown:
            raise bad_request(f'The request is rejected because the input findingIds are not findings of detector {det["detector_id"]}: '
                              f'{", ".join(unknown[:10])}{" ..." if len(unknown) > 10 else ""}')
        return det, [self._findings[finding_id]['finding'] for finding_id in ids]

    def _set_archived(self, params, archived):
        det, findings = self._held_findings(params)
        if det['role'] == 'member':
            raise bad_request(MEMBER_CANNOT_ARCHIVE)
        for finding in findings:
            finding['Service']['Archived'] = archived
        return {}, None, False

    def _archive_findings(self, params, _ctx):
        return self._set_archived(params, True)

    def _unarchive_findings(self, params, _ctx):
        return self._set_archived(params, False)

    def _update_findings_feedback(self, params, _ctx):
        _det, findings = self._held_findings(params)
        for finding in findings:
            finding['Service']['UserFeedback'] = params['Feedback']
            self.feedback[finding['Id']] = {'Feedback': params['Feedback'], 'Comments': params.get('Comments')}
        return {}, None, False
