/**
 * Win32 / NetAPI error codes the accounts module meets, worded as Windows does, so a failure
 * reads like the reference's (`failed to logon user: The user name or password is incorrect.`).
 */
const MESSAGES: Record<number, string> = {
  5: 'Access is denied.',
  87: 'The parameter is incorrect.',
  120: 'This function is not supported on this system.',
  1314: 'A required privilege is not held by the client.',
  1326: 'The user name or password is incorrect.',
  1327: 'Account restrictions are preventing this user from signing in.',
  1331: "This user can't sign in because this account is currently disabled.",
  1332: 'No mapping between account names and security IDs was done.',
  1376: 'The specified local group does not exist.',
  1378: 'The specified account name is already a member of the group.',
  1385: 'Logon failure: the user has not been granted the requested logon type at this computer.',
  2220: 'The group name could not be found.',
  2221: 'The user name could not be found.',
  2224: 'The account already exists.',
  2245: 'The password does not meet the password policy requirements.',
};

/** NERR_UserNotFound: what deleting an absent ephemeral user returns (ignored, as hcsshim does). */
export const NERR_USER_NOT_FOUND = 2221;

/** `"<Windows text> (error <n>)"`, or `"Win32 error <n> (0x…)"` for a code not in the table. */
export function describeWin32Error(code: number): string {
  const text = MESSAGES[code];
  const hex = `0x${(code >>> 0).toString(16).toUpperCase()}`;
  return text === undefined ? `Win32 error ${code} (${hex})` : `${text} (error ${code})`;
}
