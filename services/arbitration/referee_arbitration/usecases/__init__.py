"""What arbitration does, written against its ports: opening disputes, the workflow's steps, the parties'
statements and appeals, the case file and the figures."""
