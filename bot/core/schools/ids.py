"""The schools' button verbs (the role, the class and the open form are checked again on each
press)."""

from bot.core.payloads import ID, NUMBER, Verb

# /newclass (newclass.py)
COMMUNE = Verb("ncc", (ID,))  # the commune chosen (its official code)
SCHOOL = Verb("ncs", (ID,))  # a school of the commune chosen (its id)
NAMES = Verb("ncm", (NUMBER,))  # 1: the teacher sees students' names, 0: numbers only
CANCEL = Verb("ncx")

# Joining a class (enrol.py)
JOIN = Verb("cjy", (ID,))  # join the class (its id) the code named
JOIN_CANCEL = Verb("cjx")
LEAVE = Verb("cll")  # a student: leave the class (asks first)
LEAVE_CONFIRMED = Verb("clk")

# A teacher's classes (views.py, files.py)
OPEN = Verb("clo", (ID,))  # one class's figures
CHART = Verb("clg", (ID,))  # its chart
EXPORT = Verb("cle", (ID,))  # its spreadsheet
SCHOOL_EXPORT = Verb("clx", (ID,))  # the spreadsheet of the class's school, class by class
NEW_CODE = Verb("clc", (ID,))  # a new join code (the old one stops working)
DELETE = Verb("cld", (ID,))  # delete the class (asks first)
DELETE_CONFIRMED = Verb("cly", (ID,))

# The /newclass form's buttons, all answered by newclass.pressed.
FORM_VERBS = (COMMUNE, SCHOOL, NAMES, CANCEL)
